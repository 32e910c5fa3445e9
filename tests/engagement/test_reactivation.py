"""Silent-member reactivation end to end: nudged once, counted as reactivated on return,
digests for members the bot cannot message, quiet hours, opt-out and /silent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import Post, SendDirect
from bot.events import Actor, MemberJoined
from rules.points import store as points_q
from rules.reactivation import store as reactivation_q
from tests.harness import COMMUNITY, PLATFORM, T0, BotHarness

PLAYBOOK = """
community: {name: Makers, timezone: UTC}
welcome: {newcomer_window: 3d, greeting: "hi {member}"}
points: {}
reactivation:
  tiers: [7d, 14d]
  steps:
    - {after: 7d, via: auto}
    - {after: 14d, via: auto, text: "{member}, two weeks already! We saved you a seat."}
  at: "10:00"
  quiet_hours: {start: "22:00", end: "08:00"}
  contact_cap: 2
  cap_period: 30d
  digest: {max_mentions: 2, every: 3d}
  comeback: {within: 7d, points: 30}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def ref_of(bot: BotHarness):
    return await bot.runtime.store.community(PLATFORM, COMMUNITY)


async def test_silent_member_is_nudged_once_and_counted_when_they_return(bot):
    await bot.join("alice")
    await bot.say("alice", "hello, I am alice")
    await bot.join("bob")
    bot.clear()
    for _ in range(7):
        await bot.say("bob", "still chatting here", at=timedelta(days=1))
    assert not any(isinstance(a, SendDirect) for a in bot.actions)  # 6 days: not yet silent
    await bot.advance(timedelta(days=1, hours=2))  # day 8, past the 10:00 sweep
    dms = [a for a in bot.actions if isinstance(a, SendDirect)]
    assert [d.user_id for d in dms] == ["alice"]
    assert "we haven't heard from you in Makers for 7 days" in dms[0].text
    bot.clear()
    await bot.advance(timedelta(days=2))  # later sweeps do not repeat the same step
    assert not any(isinstance(a, SendDirect) for a in bot.actions)
    await bot.say("alice", "I'm back!")
    assert bot.texts("reply") == ["🎉 Welcome back, alice! +30 points."]
    ref = await ref_of(bot)
    rates = await reactivation_q.reactivation_rate(bot.runtime.store, ref, T0, bot.now)
    assert rates[0].nudged == 1 and rates[0].returned == 1 and rates[0].rate == 1.0
    assert (
        await points_q.balance_of(bot.runtime.store, ref, "alice")
    ).xp == 10 + 10 + 30  # two messages and the bonus
    bot.clear()
    await bot.say("alice", "and again, back", at=timedelta(minutes=5))
    assert bot.texts("reply") == []  # the bonus is paid once


async def test_unreachable_members_get_a_rate_limited_digest(bot):
    for name in ["ann", "ben", "cat"]:
        await bot.emit(
            MemberJoined(
                platform=PLATFORM,
                community_id=COMMUNITY,
                occurred_at=bot.now,
                member=Actor(user_id=name, name=name, can_dm=False),
            )
        )
    await bot.advance(timedelta(minutes=2))  # the batched welcome goes out
    bot.clear()
    await bot.advance(timedelta(days=7, hours=2))
    posts = [a for a in bot.actions if isinstance(a, Post)]
    assert [p.text for p in posts] == [
        "👋 We miss you: ann, ben! Come and tell us what you've been up to."
    ]
    assert not any(isinstance(a, SendDirect) for a in bot.actions)
    bot.clear()
    await bot.advance(timedelta(days=1))  # the next digest waits 3 days
    assert bot.texts("post") == []
    await bot.advance(timedelta(days=2))
    assert bot.texts("post") == ["👋 We miss you: cat! Come and tell us what you've been up to."]


async def test_quiet_members_and_newcomers_are_left_alone(bot):
    await bot.join("alice")
    await bot.join("zoe")
    await bot.command("zoe", "quiet")
    assert "won't nudge you" in bot.texts("reply")[-1]
    await bot.advance(timedelta(days=2))
    await bot.join("newbie")  # still a newcomer at the next sweeps
    bot.clear()
    await bot.advance(timedelta(days=6))
    dms = [a.user_id for a in bot.actions if isinstance(a, SendDirect)]
    assert dms == ["alice"]


async def test_contact_cap_and_second_step(bot):
    await bot.join("alice")
    bot.clear()
    await bot.advance(timedelta(days=15))
    dms = [a for a in bot.actions if isinstance(a, SendDirect)]
    assert [d.text for d in dms] == [dms[0].text, "alice, two weeks already! We saved you a seat."]
    assert len(dms) == 2
    bot.clear()
    await bot.advance(timedelta(days=10))  # cap of 2 per 30 days reached
    assert not any(isinstance(a, SendDirect) for a in bot.actions)


async def test_moderators_list_silent_members_by_tier(bot):
    bot.moderators.add("mod")
    await bot.join("alice")
    await bot.advance(timedelta(days=8))
    await bot.join("bob")
    await bot.advance(timedelta(days=8))
    await bot.say("mod", "present and talking")
    await bot.command("mod", "silent")
    assert bot.texts("reply")[-1].splitlines() == [
        "Silent members",
        "14+ days (1): alice",
        "7+ days (1): bob",
        "",
        "Nudges of the last 30 days (came back within 1w):",
        "step 1 (1w): 0 of 2 came back (0%)",  # alice on day 7, bob on day 15
        "step 2 (2w): 0 of 1 came back (0%)",
    ]
    await bot.command("alice", "silent")
    assert "moderator" in bot.texts("reply")[-1]


async def test_a_sweep_records_its_nudges_all_or_none_on_each_database(tmp_path, db_url):
    # the nudges of one sweep are claimed in one statement: one already taken (by another
    # process's sweep) leaves every other one unrecorded, so the next sweep contacts them
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    try:
        store = bot.runtime.store
        ref = await store.community(PLATFORM, COMMUNITY)
        since, at = T0, T0 + timedelta(days=8)

        def nudge(user: str) -> reactivation_q.NewNudge:
            return reactivation_q.NewNudge(user, 0, "direct", since)

        assert (
            await reactivation_q.record_nudges(store, ref, [nudge("alice"), nudge("bob")], at) == []
        )
        taken = await reactivation_q.record_nudges(store, ref, [nudge("bob"), nudge("carol")], at)
        assert taken == [nudge("bob")]
        recorded = await reactivation_q.nudges_for_sweep(store, ref, since)
        assert sorted(n.user_id for n in recorded) == ["alice", "bob"]
        assert all(n.silent_since == since and n.nudged_at == at for n in recorded)
        assert await reactivation_q.record_nudges(store, ref, [nudge("carol")], at) == []
        many = [nudge(f"member{i}") for i in range(1200)]  # more than one statement's rows
        assert await reactivation_q.record_nudges(store, ref, many, at) == []
        assert len(await reactivation_q.nudges_for_sweep(store, ref, since)) == 1203
    finally:
        await bot.close()


async def test_the_nudges_a_sweep_holds_are_the_ones_it_would_read(bot):
    # the sweep reads its nudges once, then the patches keep them: they must stay what the
    # database query gives, through nudges, returns, digests and the cap period moving on
    from rules.reactivation.rules import SWEPT, SweepMemory

    for name in ["alice", "bob", "carol", "dan"]:
        await bot.join(name)
    await bot.emit(
        MemberJoined(
            platform=PLATFORM,
            community_id=COMMUNITY,
            occurred_at=bot.now,
            member=Actor(user_id="eve", name="eve", can_dm=False),
        )
    )
    ref = await ref_of(bot)
    store = bot.runtime.store
    compared = 0
    for day in range(50):
        await bot.advance(timedelta(days=1))
        if day in (8, 20, 33):
            await bot.say("alice", "back again")
        if day == 16:
            await bot.say("bob", "hi all")
        state = bot.runtime.states.held(ref)
        held = state.memory.get(SWEPT) if state else None
        if not isinstance(held, SweepMemory):
            continue
        since = bot.now - timedelta(days=30)
        ours = {tuple(vars_of(n)) for n in held.for_sweep(since)}
        read = {tuple(vars_of(n)) for n in await reactivation_q.nudges_for_sweep(store, ref, since)}
        assert ours == read, day
        compared += 1
    assert compared > 40
    returned = await reactivation_q.nudges_for_sweep(store, ref, bot.now - timedelta(days=60))
    assert any(n.returned for n in returned) and any(not n.returned for n in returned)


def vars_of(n):  # noqa: ANN001, ANN201
    return (n.user_id, n.step, n.silent_since, n.nudged_at, n.returned)
