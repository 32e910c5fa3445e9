"""Fixtures: an adapter running against the offline Bot API double, and a collecting sink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from bot.commands import CommandSpec, OptionSpec
from bot.events import Event
from bot.runtime import Runtime
from tests.telegram.botapi_double import GROUP_ID, TOKEN, BotApiDouble, UpdateBuilder, user

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OWNER = user(1, "Olga", username="olga")
MOD = user(2, "Mike", username="mike")
ALICE = user(10, "Alice", username="alice")
BOB = user(11, "Bob", username="bob")
CAROL = user(12, "Carol")  # no @username: reachable only through a text mention

COMMANDS = [
    CommandSpec("checkin", "Check in for today"),
    CommandSpec(
        "warn",
        "Warn a member",
        (OptionSpec("user", "user", "who"), OptionSpec("reason", "text", "why", required=False)),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec(
        "mute",
        "Mute a member",
        (
            OptionSpec("user", "user", "who"),
            OptionSpec("duration", "duration", "how long"),
            OptionSpec("reason", "text", "why", required=False),
        ),
        permission="moderator",
    ),
    CommandSpec(
        "points",
        "Give points",
        (
            OptionSpec("action", "choice", "give or take", choices=("give", "take")),
            OptionSpec("user", "user", "who"),
            OptionSpec("amount", "integer", "how many"),
        ),
        permission="moderator",
    ),
]


class Collected(list[Event]):
    async def __call__(self, event: Event) -> None:
        self.append(event)

    def of(self, kind: str) -> list[Event]:
        return [e for e in self if e.kind == kind]


@pytest.fixture
def api() -> BotApiDouble:
    double = BotApiDouble(now=NOW)
    double.set_admins(GROUP_ID, OWNER, MOD)
    return double


@pytest.fixture
def updates(api: BotApiDouble) -> UpdateBuilder:
    return UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)


@pytest.fixture
def events() -> Collected:
    return Collected()


@pytest.fixture
async def adapter(api: BotApiDouble, events: Collected) -> AsyncIterator[TelegramAdapter]:
    tg = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    await tg.start(events, COMMANDS)
    yield tg
    await tg.stop()


async def pipeline(tmp_path: Path, playbook: str) -> tuple[BotApiDouble, TelegramAdapter, Runtime]:
    """The whole bot on the offline Bot API: adapter → engine → store → executor → adapter."""
    path = tmp_path / "p.yaml"
    path.write_text(playbook, encoding="utf-8")
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'tg.db'}", playbook=path, adapters={"telegram": adapter}
    )
    await adapter.start(runtime.handle, runtime.commands)
    return api, adapter, runtime
