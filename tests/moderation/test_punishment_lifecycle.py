"""Punishment lifecycle (issue 12, point 9) through the whole pipeline: temporary bans are
lifted on both platforms (a scheduled unban on Discord, until_date on Telegram, both recorded),
an automatic step never shortens a longer timeout nor replaces a ban, and lifts after a
restart happen once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import discord
import discord.ext.test as dpytest

from bot.events import Tick
from bot.runtime import Runtime
from tests.moderation.platforms import discord_rig, runtime_for, telegram_rig
from tests.telegram.botapi_double import GROUP_ID, user
from tests.telegram.conftest import MOD

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
moderation:
  warnings:
    ladder:
      - {warnings: 2, action: timeout, duration: 1h}
      - {warnings: 3, action: ban, duration: 1d}
antispam:
  rules:
    - name: ads
      triggers: {keywords: [crypto giveaway]}
      actions: {delete: true, warn: 1, timeout: 10m}
"""
SAM = user(66, "Sam", username="sam")


async def due(runtime: Runtime, platform: str, community: str, at: datetime) -> None:
    await runtime.handle(Tick(platform=platform, community_id=community, occurred_at=at, job="due"))


# ---- Discord ----------------------------------------------------------------------------------


async def test_discord_temporary_ban_is_unbanned_once_across_restarts(tmp_path: Path):
    rig = await discord_rig(tmp_path, PLAYBOOK)
    h = rig.h
    try:
        start, bob = discord.utils.utcnow(), h.member("bob").id
        await h.invoke("warn", "carol", user=h.member("bob"), reason="spam", weight=3)
        await dpytest.run_all_events()
        assert len(h.calls_to("ban")) == 1 and h.calls_to("unban") == []
        (case,) = await rig.cases(bob)
        assert case.action == "ban" and case.ends_at is not None
        assert case.step("ban").status == "done"
        log = {e["action"]: e for e in await rig.audit()}
        assert "qunbot unbans at" in log["ban"]["detail"]  # the end is recorded

        # the bot restarts before the ban ends, and again after lifting it
        await rig.runtime.store.close()
        runtime = await runtime_for(tmp_path, "discord", h.adapter, PLAYBOOK)
        h.responder = runtime.handle
        await due(runtime, "discord", h.community_id, start + timedelta(hours=23))
        assert h.calls_to("unban") == []
        await due(runtime, "discord", h.community_id, start + timedelta(days=1, minutes=1))
        assert len(h.calls_to("unban")) == 1
        await due(runtime, "discord", h.community_id, start + timedelta(days=1, minutes=2))
        await runtime.store.close()
        runtime = await runtime_for(tmp_path, "discord", h.adapter, PLAYBOOK)
        rig.runtime = runtime
        await due(runtime, "discord", h.community_id, start + timedelta(days=2))
        assert len(h.calls_to("unban")) == 1  # once
        (case,) = await rig.cases(bob)
        assert case.lifted_at is not None
    finally:
        await rig.close()


async def test_discord_escalation_never_shortens_a_longer_manual_timeout(tmp_path: Path):
    rig = await discord_rig(tmp_path, PLAYBOOK)
    h = rig.h
    try:
        await h.invoke("timeout", "carol", user=h.member("bob"), duration="2d", reason="flood")
        await dpytest.run_all_events()
        timeouts = len(h.calls_to("edit_member"))

        await h.invoke("warn", "carol", user=h.member("bob"), reason="rude", weight=2)
        await dpytest.run_all_events()

        assert len(h.calls_to("edit_member")) == timeouts  # no 1-hour timeout over the 2 days
        _, warned = await rig.cases("bob")
        assert [s.kind for s in warned.actions] == ["warn"]
        assert "a longer timeout is in force" in warned.reason
    finally:
        await rig.close()


# ---- Telegram ---------------------------------------------------------------------------------


async def test_telegram_temporary_ban_uses_until_date_and_is_lifted_once(tmp_path: Path):
    tg = await telegram_rig(tmp_path, PLAYBOOK)
    try:
        await tg.adapter.feed(tg.updates.message(SAM, "hello"))
        command = tg.updates.message(MOD, "/warn @sam spam 3")
        await tg.adapter.feed(command)
        sent = datetime.fromtimestamp(command["message"]["date"], tg.clock.at.tzinfo)

        (ban,) = tg.api.calls_to("banChatMember")
        assert ban["until_date"] == int((sent + timedelta(days=1)).timestamp())
        (case,) = await tg.cases(SAM["id"])
        assert case.action == "ban" and case.ends_at == sent + timedelta(days=1)
        log = {e["action"]: e for e in await tg.audit()}
        assert "banned until" in log["ban"]["detail"]

        await tg.runtime.store.close()
        tg.runtime = await runtime_for(tmp_path, "telegram", tg.adapter, PLAYBOOK)
        tg.adapter._sink = tg.runtime.handle  # type: ignore[attr-defined]
        for later in (timedelta(days=1, minutes=1), timedelta(days=1, minutes=5)):
            await due(tg.runtime, "telegram", str(GROUP_ID), sent + later)
        (unban,) = tg.api.calls_to("unbanChatMember")
        assert unban["only_if_banned"] is True  # harmless if Telegram lifted it already
    finally:
        await tg.close()


async def test_telegram_automatic_step_never_replaces_a_permanent_ban(tmp_path: Path):
    tg = await telegram_rig(tmp_path, PLAYBOOK)
    try:
        await tg.adapter.feed(tg.updates.message(SAM, "hello"))
        await tg.adapter.feed(tg.updates.message(MOD, "/ban @sam scam links"))
        assert tg.api.calls_to("banChatMember")[0].get("until_date") is None

        await tg.adapter.feed(tg.updates.message(MOD, "/warn @sam and more 3"))

        # a 1-day ban from the ladder would turn the permanent ban into a temporary one
        assert len(tg.api.calls_to("banChatMember")) == 1
        _, warned = await tg.cases(SAM["id"])
        assert [s.kind for s in warned.actions] == ["warn"]
        assert "already banned for good" in warned.reason
    finally:
        await tg.close()


async def test_telegram_spam_rule_never_shortens_a_longer_timeout(tmp_path: Path):
    tg = await telegram_rig(tmp_path, PLAYBOOK)
    try:
        await tg.adapter.feed(tg.updates.message(SAM, "hello"))
        await tg.adapter.feed(tg.updates.message(MOD, "/timeout @sam 1d flooding"))
        assert len(tg.api.calls_to("restrictChatMember")) == 1

        # (a muted member's message still arrives when Telegram lets it through, e.g. an edit)
        await tg.adapter.feed(tg.updates.message(SAM, "crypto giveaway"))

        assert len(tg.api.calls_to("deleteMessage")) == 1
        assert len(tg.api.calls_to("restrictChatMember")) == 1
        _, incident = await tg.cases(SAM["id"])
        assert [s.kind for s in incident.actions] == ["delete", "warn"]
    finally:
        await tg.close()
