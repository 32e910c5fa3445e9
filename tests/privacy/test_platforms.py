"""/mydata and /forget on Telegram (the offline Bot API double), Discord (the dpytest harness)
and the console, through the whole pipeline: a platform payload in, the real engine, store and
executor, and the platform calls that come out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import discord.ext.test as dpytest
import pytest

from adapters.console import PLATFORM, ConsoleAdapter, ConsoleSession
from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from bot.clock import FakeClock
from bot.runtime import Runtime
from bot.simulation import Simulation
from tests.discord.harness import DiscordHarness, close_harness, make_harness
from tests.privacy.scan import places_naming
from tests.telegram.botapi_double import GROUP_ID, TOKEN, BotApiDouble, UpdateBuilder, user
from tests.telegram.conftest import MOD, NOW, OWNER

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = "community: {name: Makers}\npoints: {}\ncheckin: {}\nmoderation: {}\n"
ALICE = user(4242421, "Alice", username="alice")


async def runtime_for(tmp_path: Path, platform: str, adapter: object) -> Runtime:
    path = tmp_path / "playbook.yaml"
    path.write_text(PLAYBOOK, encoding="utf-8")
    return await build_runtime(
        db_url=f"sqlite:///{tmp_path / f'{platform}.db'}",
        playbook=path,
        adapters={platform: adapter},  # type: ignore[dict-item]
    )


# ---- Telegram ---------------------------------------------------------------------------------


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[tuple[BotApiDouble, TelegramAdapter, Runtime]]:
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    runtime = await runtime_for(tmp_path, "telegram", adapter)
    await adapter.start(runtime.handle, runtime.commands)
    try:
        yield api, adapter, runtime
    finally:
        await adapter.stop()
        await runtime.store.close()


async def test_telegram_mydata_is_a_document_in_the_private_chat(tg):
    api, adapter, runtime = tg
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    await adapter.feed(updates.message(ALICE, "hello all"))
    await adapter.feed(updates.message(ALICE, "/mydata"))
    (refused,) = api.delivered("sendMessage")
    assert refused["chat_id"] == GROUP_ID and "open a chat with me" in refused["text"]
    assert api.calls_to("sendDocument") == []
    await adapter.feed(updates.private(ALICE))  # Alice starts the bot
    api.clear()

    await adapter.feed(updates.message(ALICE, "/mydata"))

    (document,) = api.calls_to("sendDocument")
    assert document["chat_id"] == ALICE["id"]  # privately, never in the group
    ((name, content),) = api.uploads
    assert name.endswith(".json")
    data = json.loads(content)["data"]
    assert data["member"][0]["message_count"] == 1
    (sent,) = api.delivered("sendMessage")
    assert sent["chat_id"] == ALICE["id"] and "privately" in sent["text"]


async def test_telegram_forget_is_confirmed_with_the_inline_button(tg):
    api, adapter, runtime = tg
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    await adapter.feed(updates.private(ALICE))
    await adapter.feed(updates.message(ALICE, "hello all"))
    await adapter.feed(updates.message(ALICE, "/checkin"))
    api.clear()

    await adapter.feed(updates.message(ALICE, "/forget"))

    (ask,) = api.delivered("sendMessage")
    assert ask["chat_id"] == ALICE["id"]  # the question goes privately
    (button,) = ask["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "Forget me"
    await runtime.store.flush()
    assert await places_naming(runtime.store, str(ALICE["id"]))
    sent_id = _last_sent_id(api)
    api.clear()

    await adapter.feed(
        updates.button(
            ALICE,
            button["callback_data"],
            message_id=sent_id,
            chat={"id": ALICE["id"], "type": "private", "first_name": "Alice"},
        )
    )

    assert "has forgotten you" in api.delivered("sendMessage")[-1]["text"]
    await runtime.store.flush()
    assert await places_naming(runtime.store, str(ALICE["id"])) == []


def _last_sent_id(api: BotApiDouble) -> int:
    return next(api._message_ids) - 1


# ---- Discord ----------------------------------------------------------------------------------


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[tuple[DiscordHarness, Runtime, list]]:
    h = await make_harness(commands=[], ack_after=2.0)
    runtime = await runtime_for(tmp_path, "discord", h.adapter)
    h.adapter.attach(h.adapter._sink, runtime.commands)  # type: ignore[arg-type]
    h.responder = runtime.handle
    seen: list = []
    runtime.observers.append(lambda ref, outcome: seen.append(outcome))
    try:
        yield h, runtime, seen
    finally:
        await close_harness(h)
        await runtime.store.close()


async def test_discord_mydata_is_a_dm_attachment(dc):
    h, runtime, seen = dc
    await h.say("alice", "hello all")
    await dpytest.run_all_events()

    interaction = await h.invoke("mydata", "alice")
    await dpytest.run_all_events()

    (answer,) = interaction.answers
    assert answer.ephemeral and "privately" in (answer.text or "")
    (dm,) = [m for m in h.sent if m.attachments or "Everything" in (m.content or "")]
    assert dm.channel.type.name == "private"
    (attachment,) = dm.attachments
    assert attachment.filename.endswith(".json")


async def test_discord_forget_is_confirmed_with_a_button(dc):
    h, runtime, seen = dc
    message = await h.say("alice", "hello all")
    await dpytest.run_all_events()
    alice = str(h.member("alice").id)

    interaction = await h.invoke("forget", "alice")
    (answer,) = interaction.answers
    assert answer.ephemeral and "Press the button" in (answer.text or "")
    (ask,) = [o.action for o in seen if getattr(o.action, "buttons", ())]
    await runtime.store.flush()
    assert await places_naming(runtime.store, alice)

    pressed = await h.press("alice", message, ask.buttons[0].custom_id)
    await dpytest.run_all_events()

    assert "has forgotten you" in " ".join(pressed.texts)
    await runtime.store.flush()
    assert await places_naming(runtime.store, alice) == []


# ---- console ----------------------------------------------------------------------------------


async def test_console_prints_the_file_path_and_forgets_on_confirm(tmp_path: Path):
    out: list[str] = []
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'c.db'}",
        playbook=ROOT / "playbooks/default.yaml",
        adapters={PLATFORM: ConsoleAdapter(exports_dir=tmp_path / "exports")},
    )
    session = ConsoleSession(Simulation(runtime, clock.now()), clock, write=out.append)
    try:
        await session.handle_line("/as zoe-5150")
        await session.handle_line("hi there")
        out.clear()
        await session.handle_line("/mydata")
        (line,) = [x for x in out if "send_file" in x]
        path = Path(line.split("📎 saved to ", 1)[1].split("\n")[0])
        assert json.loads(path.read_text())["data"]["member"][0]["message_count"] == 1

        await session.handle_line("/forget")
        assert any("Forget me (privacy.forget:zoe-5150:" in x for x in out)
        await session.handle_line("/forget confirm")
        assert "has forgotten you" in out[-2] + out[-1]
        await runtime.store.flush()
        assert await places_naming(runtime.store, "zoe-5150") == []
    finally:
        await runtime.store.close()
