"""`qunbot run` builds the platform adapters from config.yaml: every documented setting reaches
the adapter, and a setting the platform cannot accept ends the start with one readable error."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from typer.testing import CliRunner

import rules
from bot.cli import build_app
from bot.cli.serve import build_adapters
from bot.config import ConfigError, load_config
from bot.engine import Engine
from bot.runtime import CORE_COMMANDS

ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, adapters: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'r.db'}'}}\n"
        f"playbook: {ROOT / 'playbooks/default.yaml'}\n"
        f"adapters:\n{adapters}",
        encoding="utf-8",
    )
    return path


async def test_discord_settings_reach_the_adapter(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    cfg = load_config(
        config(
            tmp_path,
            "  discord:\n    enabled: true\n    shard_ids: [1]\n    shard_count: 2\n"
            "    message_menus: [spam, notspam]\n    sync_commands: false\n",
        )
    )
    adapter = build_adapters(cfg)["discord"]

    async def sink(event: object) -> None:
        return None

    adapter.attach(sink, list(Engine(rules.discover(), CORE_COMMANDS).commands.values()))
    menus = adapter.tree.get_commands(type=discord.AppCommandType.message)
    assert [m.name for m in menus][:2] == ["Spam", "Notspam"]
    assert adapter.client.shard_ids == [1] and adapter.client.shard_count == 2


def test_telegram_webhook_settings_reach_the_adapter(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    cfg = load_config(
        config(
            tmp_path,
            "  telegram:\n    enabled: true\n    mode: webhook\n"
            "    webhook_url: https://bot.example.org/tg\n    url_path: tg\n    port: 8080\n"
            "    secret_token_env: HOOK_SECRET\n    drop_pending_updates: true\n"
            "    moderator_chat_id: -1009\n",
        )
    )
    adapter = build_adapters(cfg)["telegram"]

    method, kwargs = adapter.receive_call()
    assert method == "start_webhook"
    assert (kwargs["url_path"], kwargs["port"], kwargs["secret_token"]) == ("tg", 8080, "s3cret")
    assert kwargs["drop_pending_updates"] is True
    assert "chat_member" in kwargs["allowed_updates"]


def test_a_self_hosted_bot_api_server_is_used_for_every_call(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    cfg = load_config(
        config(
            tmp_path,
            "  telegram:\n    enabled: true\n    base_url: http://127.0.0.1:8081/bot\n"
            "    base_file_url: http://127.0.0.1:8081/file/bot\n",
        )
    )
    bot = build_adapters(cfg)["telegram"].application.bot

    assert bot.base_url == "http://127.0.0.1:8081/bot123:abc"
    assert bot.base_file_url == "http://127.0.0.1:8081/file/bot123:abc"


def test_a_base_url_that_is_not_http_is_refused(tmp_path):
    path = config(tmp_path, "  telegram:\n    enabled: true\n    base_url: 127.0.0.1:8081\n")
    with pytest.raises(ConfigError, match="base_url"):
        load_config(path)


def test_an_empty_webhook_secret_variable_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    cfg = load_config(
        config(
            tmp_path,
            "  telegram:\n    enabled: true\n    mode: webhook\n"
            "    webhook_url: https://bot.example.org/tg\n    secret_token_env: HOOK_SECRET\n",
        )
    )
    with pytest.raises(ConfigError, match="HOOK_SECRET"):
        build_adapters(cfg)


def test_shard_ids_outside_the_count_end_run_with_one_readable_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    path = config(
        tmp_path, "  discord:\n    enabled: true\n    shard_ids: [0, 5]\n    shard_count: 2\n"
    )

    result = CliRunner().invoke(build_app(), ["run", "--config", str(path)])

    assert result.exit_code == 2, result.output
    assert "shard ids [5] are outside 0..1" in result.output
    assert "Traceback" not in result.output


def test_run_with_discord_but_no_token_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    path = config(tmp_path, "  discord: {enabled: true}\n")

    result = CliRunner().invoke(build_app(), ["run", "--config", str(path)])

    assert result.exit_code == 2
    assert "DISCORD_TOKEN is empty" in result.output and "Traceback" not in result.output


def test_run_with_a_rejected_discord_token_gives_one_readable_error(tmp_path, monkeypatch):
    import bot.cli.serve as serve_mod
    from adapters.discord import DiscordAdapter

    def build(cfg):
        adapter = DiscordAdapter("wrong-token", sharded=False)

        async def static_login(token: str) -> dict:
            raise discord.LoginFailure("Improper token has been passed.")

        adapter.client.http.static_login = static_login  # type: ignore[method-assign]
        return {"discord": adapter}

    monkeypatch.setattr(serve_mod, "build_adapters", build)
    monkeypatch.setenv("DISCORD_TOKEN", "wrong-token")
    path = config(tmp_path, "  discord: {enabled: true}\n")

    result = CliRunner().invoke(build_app(), ["run", "--config", str(path)])

    assert result.exit_code == 2, result.output
    assert "Discord rejected the bot token" in result.output
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
