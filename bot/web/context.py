"""What the dashboard works with: the bot's runtime (store, playbooks, engine) and its config."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, WebConfig
from bot.playbook import PlaybookManager
from bot.runtime import Runtime


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebContext:
    """One per dashboard. `embedded`: served by the bot process itself (`qunbot run`), so a
    case reversal can run through the platform adapters; `qunbot web` alone only reads and
    edits."""

    runtime: Runtime
    config: WebConfig
    admin_token: str
    moderator_token: str | None = None
    embedded: bool = False
    now: Callable[[], datetime] = _utcnow
    # the text of each playbook's running version, with the manager version it belongs to
    _sources: dict[Path, tuple[int, str]] = field(default_factory=dict)
    _locks: dict[Path, asyncio.Lock] = field(default_factory=dict)

    @property
    def store(self):  # noqa: ANN201 - bot.store.Store
        return self.runtime.store

    @property
    def base_url(self) -> str:
        return (self.config.public_url or f"http://{self.config.host}:{self.config.port}").rstrip(
            "/"
        )

    def managers(self) -> list[PlaybookManager]:
        return self.runtime.playbooks.managers()

    def lock(self, manager: PlaybookManager) -> asyncio.Lock:
        return self._locks.setdefault(manager.path.resolve(), asyncio.Lock())

    def running_source(self, manager: PlaybookManager) -> str:
        """The YAML of the version the bot runs. Read from the file when the manager (re)loaded
        it; the dashboard records what it saved itself."""
        key = manager.path.resolve()
        known = self._sources.get(key)
        if known and known[0] == manager.version:
            return known[1]
        try:
            text = manager.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        self._sources[key] = (manager.version, text)
        return text

    def remember_source(self, manager: PlaybookManager, text: str) -> None:
        self._sources[manager.path.resolve()] = (manager.version, text)


def tokens_from_env(config: WebConfig) -> tuple[str, str | None]:
    """The admin token (required) and the optional moderators' token, from the environment."""
    admin = os.environ.get(config.token_env, "").strip()
    if len(admin) < 16:
        raise ConfigError(
            f"the dashboard needs a sign-in token of at least 16 characters in the environment "
            f"variable {config.token_env} (web.token_env): export {config.token_env}=$(python3 "
            "-c 'import secrets; print(secrets.token_urlsafe(24))')"
        )
    moderator = None
    if config.moderator_token_env:
        moderator = os.environ.get(config.moderator_token_env, "").strip() or None
        if moderator is None or len(moderator) < 16:
            raise ConfigError(
                f"web.moderator_token_env names {config.moderator_token_env}, which holds no "
                "token of at least 16 characters: export it or remove the setting"
            )
        if moderator == admin:
            raise ConfigError("the moderators' dashboard token must differ from the admin one")
    return admin, moderator


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
