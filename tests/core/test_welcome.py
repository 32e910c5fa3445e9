"""The welcome SOP end to end: adapter → engine → store → executor, on a simulated clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import Kick, Post, RemoveTimeout, SendDirect, Timeout
from bot.app import build_runtime
from bot.simulation import Simulation
from tests.harness import COMMUNITY, PLATFORM, BotHarness

PLAYBOOK = """
community: {name: Makers, timezone: Asia/Shanghai}
welcome:
  greeting: "Welcome {member} to {community}!"
  batch_greeting: "Welcome {members} ({count})!"
  direct_message: "Rules for {member}: be kind."
  burst: {joins: 3, window: 1m}
  followups:
    - after: 24h
      text: "{member}, tell us about yourself?"
  regreet_after: 30d
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def test_newcomer_is_greeted_publicly_and_by_direct_message(bot):
    await bot.join("alice")
    posts = [a for a in bot.actions if isinstance(a, Post)]
    dms = [a for a in bot.actions if isinstance(a, SendDirect)]
    assert [p.text for p in posts] == ["Welcome alice to Makers!"]
    assert dms[0].user_id == "alice" and "be kind" in dms[0].text


async def test_silent_newcomer_gets_the_follow_up_after_a_day(bot):
    await bot.join("alice")
    bot.clear()
    await bot.advance(timedelta(hours=23))
    assert bot.actions == []
    await bot.advance(timedelta(hours=2))
    assert bot.texts("post") == ["alice, tell us about yourself?"]


async def test_newcomer_who_posted_is_not_nudged(bot):
    await bot.join("alice")
    await bot.say("alice", "hello everyone", at=timedelta(hours=3))
    bot.clear()
    await bot.advance(timedelta(days=2))
    assert bot.actions == []


async def _crash(bot: BotHarness) -> None:
    """The process dies: nothing written behind is flushed; a new one starts on the database."""
    now = bot.sim.now
    await bot.runtime.store.engine.dispose()
    runtime = await build_runtime(
        db_url=bot.db_url, playbook=bot.playbook, adapters={PLATFORM: bot.adapter}
    )
    bot.runtime, bot.sim = runtime, Simulation(runtime, now)


async def test_a_skipped_follow_up_stays_skipped_after_a_crash_and_is_done_once_flushed(bot):
    """A follow-up for a newcomer who spoke acts on nobody: it is settled with the next flush,
    not claimed in a transaction of its own — and is never sent, whatever happens between."""
    await bot.join("alice")
    await bot.say("alice", "hello everyone", at=timedelta(hours=3))
    await bot.runtime.flush()  # her message is in the database
    bot.clear()
    await bot.advance(timedelta(days=1))
    await _crash(bot)  # before the settled step was written: due again, skipped again
    await bot.advance(timedelta(days=1))
    await bot.restart()
    await bot.advance(timedelta(days=2))
    assert bot.actions == []
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    assert await bot.runtime.store.steps(ref, kind_prefix="welcome.followup") == []
    done = await bot.runtime.store.steps(ref, kind_prefix="welcome.followup", status="done")
    assert [s.user_id for s in done] == ["alice"]


async def test_member_who_leaves_stops_the_sequence(bot):
    await bot.join("alice")
    await bot.leave("alice", at=timedelta(hours=1))
    bot.clear()
    await bot.advance(timedelta(days=2))
    assert bot.actions == []


async def test_rejoin_within_period_is_not_greeted_twice_even_across_restart(bot):
    await bot.join("alice")
    await bot.leave("alice", at=timedelta(hours=1))
    await bot.restart()
    bot.clear()
    await bot.join("alice", at=timedelta(days=3))
    assert bot.texts("post") == []
    # after the regreet period a returning member is welcomed again
    await bot.leave("alice", at=timedelta(days=1))
    await bot.join("alice", at=timedelta(days=40))
    assert bot.texts("post") == ["Welcome alice to Makers!"]


async def test_follow_up_survives_a_restart_and_is_sent_once(bot):
    await bot.join("alice")
    await bot.restart()
    bot.clear()
    await bot.advance(timedelta(days=1, minutes=1))
    await bot.restart()
    await bot.advance(timedelta(days=2))
    assert bot.texts("post") == ["alice, tell us about yourself?"]


async def test_join_burst_is_greeted_in_one_batched_message(bot):
    for i, name in enumerate(["a1", "a2", "a3", "a4", "a5"]):
        await bot.join(name, at=timedelta(seconds=5 * i) if i else None)
    await bot.advance(timedelta(minutes=2))
    posts = bot.texts("post")
    # the first two arrive before the burst threshold; the rest share one greeting
    assert posts[:2] == ["Welcome a1 to Makers!", "Welcome a2 to Makers!"]
    assert posts[2:] == ["Welcome a3, a4, a5 (3)!"]


async def test_a_join_burst_across_a_restart_is_still_a_burst(bot):
    """The joins of the last minute come from the community state, which a restart loads
    again from the member rows."""
    await bot.join("a1")
    await bot.join("a2", at=timedelta(seconds=5))
    await bot.restart()
    bot.clear()
    await bot.join("a3", at=timedelta(seconds=10))
    assert bot.texts("post") == []  # the third join in a minute: its greeting waits
    await bot.advance(timedelta(minutes=2))
    assert bot.texts("post") == ["Welcome a3 to Makers!"]  # the only one of its batch


async def test_an_open_batch_survives_a_restart_and_takes_the_next_newcomer(bot):
    """A newcomer arriving while a batched greeting is pending joins it, even when the join
    count alone would not make a burst; the pending batch is part of the state a restart loads."""
    start = bot.now
    for i, name in enumerate(["a1", "a2", "a3"]):
        await bot.join(name, at=start + timedelta(seconds=5 * i))  # a3: batched, due at 70 s
    await bot.restart()
    bot.clear()
    await bot.join("a4", at=start + timedelta(seconds=66))  # 2 joins in the last minute
    assert bot.texts("post") == []
    await bot.advance(timedelta(minutes=2))
    assert bot.texts("post") == ["Welcome a3, a4 (2)!"]
    bot.clear()
    await bot.join("a5", at=start + timedelta(minutes=10))  # batch posted: greeted at once
    assert bot.texts("post") == ["Welcome a5 to Makers!"]


async def test_joins_a_minute_apart_are_no_burst(bot):
    for i, name in enumerate(["b1", "b2", "b3"]):
        await bot.join(name, at=timedelta(seconds=61 * i) if i else None)
    assert bot.texts("post") == [f"Welcome {n} to Makers!" for n in ("b1", "b2", "b3")]


async def test_bots_are_not_greeted(bot):
    await bot.join("helperbot", bot=True)
    assert bot.actions == []


VERIFY_PLAYBOOK = """
community: {name: Makers}
welcome:
  greeting: "Welcome {member}!"
  verification: {enabled: true, mode: button, timeout: 10m, on_timeout: kick}
"""


async def test_button_verification_mutes_then_greets_after_the_press(tmp_path):
    bot = await BotHarness.start(tmp_path, VERIFY_PLAYBOOK)
    await bot.join("alice")
    assert isinstance(bot.actions[0], Timeout)
    prompt = bot.actions[1]
    assert isinstance(prompt, Post) and prompt.buttons
    assert "Welcome alice!" not in bot.texts()
    await bot.press("mallory", prompt.buttons[0].custom_id)  # someone else's button: ignored
    assert not any(isinstance(a, RemoveTimeout) for a in bot.actions)
    await bot.press("alice", prompt.buttons[0].custom_id)
    assert any(isinstance(a, RemoveTimeout) and a.user_id == "alice" for a in bot.actions)
    assert "Welcome alice!" in bot.texts("post")
    await bot.advance(timedelta(hours=1))
    assert not any(isinstance(a, Kick) for a in bot.actions)
    await bot.close()


async def test_unverified_newcomer_is_removed_after_the_timeout(tmp_path):
    bot = await BotHarness.start(tmp_path, VERIFY_PLAYBOOK)
    await bot.join("spammer")
    await bot.advance(timedelta(minutes=9))
    assert not any(isinstance(a, Kick) for a in bot.actions)
    await bot.advance(timedelta(minutes=2))
    kicks = [a for a in bot.actions if isinstance(a, Kick)]
    assert [k.user_id for k in kicks] == ["spammer"]
    await bot.close()


async def test_answer_verification_deletes_other_messages_until_answered(tmp_path):
    bot = await BotHarness.start(
        tmp_path,
        """
welcome:
  greeting: "Welcome {member}!"
  verification: {enabled: true, mode: answer, answer: "blue", prompt: "{member}: sky colour?"}
""",
    )
    await bot.join("alice")
    bot.clear()
    await bot.say("alice", "buy crypto")
    assert [a.kind for a in bot.actions] == ["delete_message", "reply"]
    bot.clear()
    await bot.say("alice", "Blue")
    assert bot.texts("post") == ["Welcome alice!"]
    bot.clear()
    await bot.say("alice", "thanks!")
    assert bot.actions == []
    await bot.close()


async def test_every_action_is_in_the_audit_log_with_its_rule_and_reason(bot):
    await bot.join("alice")
    ref = await bot.runtime.store.community("test", "c1")
    log = await bot.runtime.store.audit_log(ref)
    assert [(e["rule"], e["action"], e["status"]) for e in log] == [
        ("welcome.join", "post", "executed"),
        ("welcome.join", "send_direct", "executed"),
    ]
    assert "alice joined" in log[0]["reason"]


MUTED_PLAYBOOK = """
community: {name: Makers, moderator_roles: [mods]}
welcome:
  greeting: "Welcome {member}!"
  regreet_after: 1m          # a rejoin is greeted again (unless still muted)
moderation: {}
"""


async def test_a_member_timed_out_before_a_restart_is_not_welcomed_back(tmp_path):
    """Who ever had a timeout or ban case is part of the community state: loaded again after a
    restart, so a muted member who leaves and rejoins is still not cheered on."""
    bot = await BotHarness.start(tmp_path, MUTED_PLAYBOOK)
    try:
        await bot.join("alice")
        bot.moderators.add("mod")
        await bot.command("mod", "timeout", target_user_id="alice", duration="1h", reason="spam")
        assert any(isinstance(a, Timeout) and a.user_id == "alice" for a in bot.actions)
        await bot.restart()
        await bot.leave("alice", at=timedelta(minutes=5))
        bot.clear()
        await bot.join("alice", at=timedelta(minutes=6))
        await bot.join("bob", at=timedelta(minutes=7))
        assert bot.texts("post") == ["Welcome bob!"]
    finally:
        await bot.close()
