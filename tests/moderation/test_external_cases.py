"""Moderation actions decided by other capabilities become numbered cases too."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Kick, Post
from rules.moderation.store import cases_for
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


async def test_case_numbers_shown_match_the_stored_ones_around_external_cases(tmp_path):
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    bot.moderators.add("mod")
    await bot.command("mod", "warn", user="bob", reason="rude")  # case 1
    await bot.join("spammer")  # case 2: the verification mute, recorded by the hook
    await bot.advance(timedelta(minutes=11))  # case 3: the kick
    bot.clear()
    await bot.command("mod", "warn", user="carol", reason="off topic")
    logs = [a.text for a in bot.actions if isinstance(a, Post) and a.channel_id == "mod-log"]
    assert any("Case #4 · warn · carol" in text for text in logs), logs
    bot.clear()
    await bot.command("mod", "case", number=4)
    assert "Case #4 · warn · carol" in bot.texts("reply")[0]
    await bot.close()


async def test_record_external_case_numbers_after_the_last_case(tmp_path):
    from rules.moderation.store import case, record_external_case

    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    bot.moderators.add("mod")
    await bot.command("mod", "kick", user="bob", reason="advertising")
    ref = await bot.runtime.store.community("test", "c1")
    number = await record_external_case(
        bot.runtime.store,
        ref,
        kind="timeout",
        user_id="eve",
        reason="waiting for verification",
        rule="welcome.join",
        at=bot.now,
        ends_at=bot.now + timedelta(minutes=11),
    )
    assert number == 2
    stored = await case(bot.runtime.store, ref, 2)
    assert (stored.user_id, stored.action, stored.duration_seconds) == ("eve", "timeout", 660)
    # moderation's sweep lifts only the timeouts it scheduled itself
    await bot.advance(timedelta(minutes=20))
    assert not [a for a in bot.actions if a.kind == "remove_timeout"]
    await bot.close()
