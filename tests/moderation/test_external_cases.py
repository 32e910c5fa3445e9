"""Moderation actions decided by other capabilities become numbered cases too."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Kick, Post
from bot.store.moderation import cases_for
from tests.harness import BotHarness

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
moderation: {enabled: true}
welcome:
  greeting: "Welcome {member}!"
  verification: {enabled: true, mode: button, timeout: 10m, on_timeout: kick}
"""


async def test_welcome_verification_kick_is_a_case_logged_to_moderators(tmp_path):
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    await bot.join("spammer")
    await bot.advance(timedelta(minutes=11))
    assert [a.user_id for a in bot.actions if isinstance(a, Kick)] == ["spammer"]
    ref = await bot.runtime.store.community("test", "c1")
    cases = await cases_for(bot.runtime.store, ref, "spammer")
    kinds = sorted(c.action for c in cases)
    assert kinds == ["kick", "timeout"]
    kick = next(c for c in cases if c.action == "kick")
    assert kick.rule == "welcome.due" and "did not verify" in kick.reason
    logs = [a.text for a in bot.actions if isinstance(a, Post) and a.channel_id == "mod-log"]
    assert any(f"#{kick.number}" in text and "kick" in text for text in logs)
    # the numbering survives a restart: the next case continues after the last one
    await bot.restart()
    await bot.join("other")
    cases = await cases_for(bot.runtime.store, ref, "other")
    assert cases and cases[0].number > kick.number
    await bot.close()
