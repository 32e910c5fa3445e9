"""Moderator commands, refusals, missing bot permissions and calendar polls through the whole
pipeline on both platforms: platform payload in (a Telegram `/cmd` message, a Discord slash
command), the real engine, store and executor, and exactly the platform calls that come out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import discord
import discord.ext.test as dpytest
import pytest

from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from bot.events import Tick
from bot.runtime import Runtime
from tests.discord.harness import DiscordHarness, close_harness, http_error, make_harness
from tests.telegram.botapi_double import (
    GROUP_ID,
    TOKEN,
    ApiFailure,
    BotApiDouble,
    UpdateBuilder,
    user,
)
from tests.telegram.conftest import MOD, NOW, OWNER

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
moderation: {}
calendar:
  entries:
    friday-vote:
      at: ["2025-03-01 12:30"]
      channel: general
      text: "Friday discussion: tools we love"
      poll: {question: "Which editor?", options: [Vim, VS Code, Emacs]}
"""
SAM = user(66, "Sam", username="sam")
ALICE = user(10, "Alice", username="alice")
NOT_ENOUGH_RIGHTS = "Bad Request: not enough rights to restrict/unrestrict chat member"


async def runtime_for(tmp_path: Path, platform: str, adapter: object) -> Runtime:
    path = tmp_path / "playbook.yaml"
    path.write_text(PLAYBOOK, encoding="utf-8")
    return await build_runtime(
        db_url=f"sqlite:///{tmp_path / f'{platform}.db'}",
        playbook=path,
        adapters={platform: adapter},  # type: ignore[dict-item]
    )


# ---- Telegram ---------------------------------------------------------------------------------


@dataclass
class Telegram:
    api: BotApiDouble
    adapter: TelegramAdapter
    runtime: Runtime
    updates: UpdateBuilder

    async def audit(self) -> list[dict]:
        ref = await self.runtime.store.community("telegram", str(GROUP_ID))
        return await self.runtime.store.audit_log(ref)


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Telegram]:
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    runtime = await runtime_for(tmp_path, "telegram", adapter)
    await adapter.start(runtime.handle, runtime.commands)
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    await adapter.feed(updates.private(MOD))  # the moderator started the bot: alerts by DM
    api.clear()
    try:
        yield Telegram(api, adapter, runtime, updates)
    finally:
        await adapter.stop()
        await runtime.store.close()


async def test_telegram_moderator_times_out_by_replying(tg: Telegram):
    spam = tg.updates.message(SAM, "cheap followers, DM me")
    await tg.adapter.feed(spam)
    command = tg.updates.message(MOD, "/timeout 10m flooding", reply_to=spam["message"])

    await tg.adapter.feed(command)

    (restrict,) = tg.api.calls_to("restrictChatMember")
    sent_at = datetime.fromtimestamp(command["message"]["date"], NOW.tzinfo)
    assert (restrict["chat_id"], restrict["user_id"]) == (GROUP_ID, SAM["id"])
    assert restrict["until_date"] == int((sent_at + timedelta(minutes=10)).timestamp())
    assert not any(restrict["permissions"].values())
    # the case log and the confirmation go to the moderator privately (they started the bot),
    # never into the group
    messages = tg.api.delivered("sendMessage")
    assert [m["chat_id"] for m in messages] == [MOD["id"], MOD["id"]]
    case_log, confirm = messages
    assert "Case #1" in case_log["text"] and "flooding" in case_log["text"]
    assert "flooding" in confirm["text"]


async def test_telegram_moderator_warns_by_username(tg: Telegram):
    await tg.adapter.feed(tg.updates.message(SAM, "hello"))

    await tg.adapter.feed(tg.updates.message(MOD, "/warn @sam please be kind to newcomers"))

    (public,) = [m for m in tg.api.delivered("sendMessage") if m["chat_id"] == GROUP_ID]
    assert "please be kind to newcomers" in public["text"]  # the whole reason, not one word
    assert public["entities"][0]["user"]["id"] == SAM["id"]  # Sam is mentioned
    log = {e["action"]: e for e in await tg.audit()}
    assert log["warn"]["status"] == "executed" and log["warn"]["target_user"] == str(SAM["id"])


async def test_telegram_member_is_refused_a_moderator_command(tg: Telegram):
    spam = tg.updates.message(SAM, "hello")
    await tg.adapter.feed(spam)

    await tg.adapter.feed(tg.updates.message(ALICE, "/timeout 10m", reply_to=spam["message"]))

    assert tg.api.calls_to("restrictChatMember") == []
    (answer,) = tg.api.delivered("sendMessage")
    assert answer["text"] == "Only moderators can use /timeout."


async def test_telegram_without_admin_rights_alerts_once_and_keeps_running(tg: Telegram):
    for name in ("sam", "tom"):
        spammer = user(70 + len(name) + ord(name[0]), name.title(), username=name)
        spam = tg.updates.message(spammer, "cheap followers")
        await tg.adapter.feed(spam)
        tg.api.fail_next("restrictChatMember", ApiFailure.bad_request(NOT_ENOUGH_RIGHTS))
        await tg.adapter.feed(tg.updates.message(MOD, "/timeout 1h", reply_to=spam["message"]))

    timeouts = [e for e in await tg.audit() if e["action"] == "timeout"]
    assert [e["status"] for e in timeouts] == ["failed", "failed"]
    assert all("forbidden" in e["detail"] for e in timeouts)
    alerts = [m for m in tg.api.delivered("sendMessage") if "I could not timeout" in m["text"]]
    assert [a["chat_id"] for a in alerts] == [MOD["id"]]  # once, to the moderator
    await tg.adapter.feed(tg.updates.message(MOD, "/warn @sam calm down"))  # still answering
    assert any("calm down" in m["text"] for m in tg.api.delivered("sendMessage"))


async def test_telegram_calendar_poll_becomes_a_message_and_send_poll(tg: Telegram):
    await tg.adapter.feed(tg.updates.message(SAM, "hello"))  # the community exists
    tg.api.clear()

    await tg.runtime.handle(
        Tick(
            platform="telegram",
            community_id=str(GROUP_ID),
            occurred_at=NOW + timedelta(minutes=30),
            job="calendar.tick",
        )
    )

    assert tg.api.methods == ["sendMessage", "sendPoll"]
    assert tg.api.delivered("sendMessage")[0]["text"] == "Friday discussion: tools we love"
    (poll,) = tg.api.calls_to("sendPoll")
    assert poll["question"] == "Which editor?"
    assert [o["text"] for o in poll["options"]] == ["Vim", "VS Code", "Emacs"]


# ---- Discord ----------------------------------------------------------------------------------


@pytest.fixture
async def dc(tmp_path: Path) -> AsyncIterator[tuple[DiscordHarness, Runtime]]:
    h = await make_harness(commands=[], ack_after=2.0)
    runtime = await runtime_for(tmp_path, "discord", h.adapter)
    h.adapter.attach(h.adapter._sink, runtime.commands)  # type: ignore[arg-type]
    h.responder = runtime.handle
    await h.give_role("carol", "Moderator")
    try:
        yield h, runtime
    finally:
        await close_harness(h)
        await runtime.store.close()


def _timeouts(h: DiscordHarness) -> list[str | None]:
    return [c.args[0].get("communication_disabled_until") for c in h.calls_to("edit_member")]


async def test_discord_moderator_times_out_with_the_slash_command(dc):
    h, runtime = dc
    bob = h.member("bob")
    before = discord.utils.utcnow()

    interaction = await h.invoke("timeout", "carol", user=bob, duration="10m", reason="flooding")
    await dpytest.run_all_events()

    (until,) = _timeouts(h)
    assert until is not None
    ends = datetime.fromisoformat(until)
    assert before + timedelta(minutes=10) <= ends <= discord.utils.utcnow() + timedelta(minutes=10)
    # the moderator gets the confirmation privately; the case goes to #mod-log
    (answer,) = interaction.answers
    assert answer.ephemeral is True and "flooding" in (answer.text or "")
    mod_log = [m.content for m in h.sent if m.channel.name == "mod-log"]
    assert any("Case #1" in text for text in mod_log)


async def test_discord_moderator_uses_the_message_menu(dc):
    h, runtime = dc
    message = await h.say("bob", "JOIN my crypto group")
    await dpytest.run_all_events()

    await h.use_menu("Warn", "carol", message)
    await dpytest.run_all_events()

    ref = await runtime.store.community("discord", h.community_id)
    log = {e["action"]: e for e in await runtime.store.audit_log(ref)}
    assert log["warn"]["status"] == "executed"
    assert log["warn"]["target_user"] == str(h.member("bob").id)


async def test_discord_member_is_refused_a_moderator_command(dc):
    h, runtime = dc

    interaction = await h.invoke("timeout", "alice", user=h.member("bob"), duration="10m")

    assert _timeouts(h) == []
    (answer,) = interaction.answers
    assert (answer.text, answer.ephemeral) == ("Only moderators can use /timeout.", True)


async def test_discord_without_permission_alerts_once_and_keeps_running(dc):
    h, runtime = dc
    h.fail("edit_member", discord.Forbidden(**http_error(403, 50013, "Missing Permissions")))

    await h.invoke("timeout", "carol", user=h.member("bob"), duration="1h")
    await h.invoke("timeout", "carol", user=h.member("alice"), duration="1h")
    await dpytest.run_all_events()

    ref = await runtime.store.community("discord", h.community_id)
    timeouts = [e for e in await runtime.store.audit_log(ref) if e["action"] == "timeout"]
    assert [e["status"] for e in timeouts] == ["failed", "failed"]
    alerts = [m for m in h.sent if "I could not timeout" in m.content]
    assert len(alerts) == 1 and alerts[0].channel.name == "mod-log"
    assert "Timeout Members" in alerts[0].content
    warned = await h.invoke("warn", "carol", user=h.member("bob"), reason="calm down")
    assert "calm down" in " ".join(warned.texts)


async def test_discord_calendar_poll_is_a_native_poll(dc):
    h, runtime = dc
    await h.say("bob", "hello")  # the community exists
    await dpytest.run_all_events()

    await runtime.handle(
        Tick(
            platform="discord",
            community_id=h.community_id,
            occurred_at=NOW + timedelta(minutes=30),
            job="calendar.tick",
        )
    )

    (post,) = [p for p in h.payloads if "poll" in p]
    assert post["content"] == "Friday discussion: tools we love"
    assert post["poll"]["question"]["text"] == "Which editor?"
    assert [a["poll_media"]["text"] for a in post["poll"]["answers"]] == ["Vim", "VS Code", "Emacs"]


async def test_discord_help_lists_what_the_asker_may_use_privately(dc):
    h, runtime = dc

    member = await h.invoke("help", "alice")
    moderator = await h.invoke("help", "carol")
    one = await h.invoke("help", "carol", topic="timeout")

    (for_member,) = member.answers
    assert for_member.ephemeral and "/report — " in for_member.text
    assert "/timeout — " not in for_member.text
    (for_moderator,) = moderator.answers
    assert "/timeout — " in for_moderator.text
    (explained,) = one.answers
    assert explained.text.startswith("/timeout [user] [duration] [reason]")
    # the menu: moderator commands carry default_member_permissions, /help does not
    tree = h.adapter.tree
    assert tree.get_command("help").to_dict(tree)["default_member_permissions"] is None
    assert tree.get_command("timeout").to_dict(tree)["default_member_permissions"] is not None
