"""Deployment config (config.yaml): database, playbooks, adapters. Tokens come from env vars."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.configmodel import ConfigModel
from bot.playbook.loader import PlaybookInvalid, load_playbook


class ConfigError(RuntimeError):
    pass


class DatabaseConfig(ConfigModel):
    url: str = "sqlite:///data/qunbot.db"


class CommunityPlaybook(ConfigModel):
    platform: Literal["discord", "telegram", "console"]
    id: str
    playbook: str


class ConsoleConfig(ConfigModel):
    enabled: bool = False
    community: str = "demo"


class DiscordConfig(ConfigModel):
    enabled: bool = False
    token_env: str = "DISCORD_TOKEN"
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    sync_commands: bool = True
    # the moderators' channel (name or id) for alerts; default: the first channel named like
    # mod-log / moderators / mods / staff (see docs/discord.md)
    alert_channel: str | None = None
    # Discord allows 5 message menus ("Apps → Report" on a message): which commands get them
    message_menus: list[str] = Field(
        default_factory=lambda: ["report", "spam", "warn", "timeout", "ban"]
    )


class TelegramConfig(ConfigModel):
    enabled: bool = False
    token_env: str = "TELEGRAM_BOT_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    listen: str = "0.0.0.0"
    port: int = 8443
    url_path: str = "telegram"
    # the environment variable holding the webhook's secret (Telegram sends it in a header)
    secret_token_env: str | None = None
    # a separate moderators' group (its chat id) for alerts and cases; default: DM the admins
    moderator_chat_id: int | None = None
    drop_pending_updates: bool = False
    # a self-hosted Bot API server (github.com/tdlib/telegram-bot-api), e.g.
    # "http://127.0.0.1:8081/bot" and "http://127.0.0.1:8081/file/bot"; the token is appended
    # (or replaces "{token}"). Default: Telegram's own https://api.telegram.org
    base_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    base_file_url: str | None = Field(default=None, pattern=r"^https?://\S+$")


class AdaptersConfig(ConfigModel):
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    discord: DiscordConfig = Field(default_factory=DiscordConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)


class SchedulerConfig(ConfigModel):
    # how often due SOP steps are looked for, in seconds
    poll_seconds: float = 10.0


class WebConfig(ConfigModel):
    """The operator's web dashboard (docs/dashboard.md). `enabled`: `qunbot run` serves it in
    the bot's own process and answers `/dashboard` with a one-time sign-in link."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # the address people open (links sent by /dashboard); default http://host:port
    public_url: str | None = None
    # environment variables holding the sign-in tokens (the admin one is required)
    token_env: str = "QUNBOT_WEB_TOKEN"
    moderator_token_env: str | None = None
    session_minutes: int = Field(default=480, ge=1)
    link_minutes: int = Field(default=10, ge=1, le=1440)
    language: Literal["en", "zh"] = "en"
    # largest playbook accepted by the editor, in bytes
    max_upload_bytes: int = Field(default=512 * 1024, ge=1024)
    # mark cookies Secure (set when the dashboard is served over HTTPS by a proxy)
    secure_cookies: bool = False


class DeploymentConfig(ConfigModel):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    playbook: str = "playbooks/default.yaml"
    communities: list[CommunityPlaybook] = Field(default_factory=list)
    adapters: AdaptersConfig = Field(default_factory=AdaptersConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    def token(self, env_name: str, platform: str) -> str:
        value = os.environ.get(env_name, "").strip()
        if not value:
            raise ConfigError(
                f"{platform} is enabled but the environment variable {env_name} is empty: "
                f"export {env_name}=<your bot token> (see README, 'Running on {platform}')"
            )
        return value


def load_config(path: str | Path | None) -> DeploymentConfig:
    """Load config.yaml; without one, the embedded default (SQLite + console)."""
    if path is None:
        return DeploymentConfig(adapters=AdaptersConfig(console=ConsoleConfig(enabled=True)))
    try:
        return load_playbook(path, DeploymentConfig)
    except PlaybookInvalid as exc:
        raise ConfigError("the config file is not valid:\n" + str(exc)) from None
