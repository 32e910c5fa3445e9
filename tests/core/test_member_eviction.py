"""Members evicted from the community state under a tiny memory budget come back from the
database when they next act, and the bot decides exactly as if they had never left memory —
through the whole pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.actions import Ban, Warn
from bot.events import MessagePosted
from rules.checkin import store as checkin_q
from rules.points import store as points_q
from tests.harness import COMMUNITY, PLATFORM, BotHarness

MODERATION = "community: {name: Makers, mod_log_channel: mod-log}\nmoderation: {}\n"

ENGAGEMENT = """
community: {name: Readers, timezone: UTC}
checkin: {keywords: [checkin], points: 10}
points:
  messages: {points: 10, cooldown: 60s, min_length: 3, daily_cap: 30}
  levels: {table: [25, 60, 100]}
"""


def tiny_budget(bot: BotHarness, members: int = 3) -> None:
    """Flush after every event and hold at most `members` members (evicting down to 90%)."""
    bot.runtime.flush_every = 1
    bot.runtime.states.max_members = members


async def chatter(bot: BotHarness, n: int, prefix: str = "x") -> None:
    for i in range(n):
        await bot.say(f"{prefix}{i}", f"hello number {i}", at=timedelta(seconds=90))


async def state(bot: BotHarness):  # noqa: ANN201 - the runtime's CommunityState
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    return await bot.runtime.states.get(ref)


async def test_an_evicted_moderator_is_still_refused_as_a_ban_target(tmp_path, db_url) -> None:
    bot = await BotHarness.start(tmp_path, MODERATION, db_url=db_url)
    try:
        tiny_budget(bot)
        bot.moderators.update({"boss", "helper"})
        await bot.join("helper")
        await bot.say("helper", "I keep this place tidy")  # seen once, as a moderator
        await bot.join("bob")
        await bot.leave("bob", at=timedelta(minutes=1))
        await bot.join("bob", at=timedelta(minutes=1))
        await bot.say("bob", "hello")
        held = await state(bot)
        before = {u: replace(held.members[u]) for u in ("helper", "bob")}
        # a join two days later: the join index (never evicted) no longer reaches them
        await bot.join("carol", at=timedelta(days=2))
        await chatter(bot, 6)
        held = await state(bot)
        assert "helper" not in held.members and "bob" not in held.members
        assert len(held.members) <= 3 and bot.runtime.states.members_evicted >= 6
        # loaded again from the database, each is exactly what the state held before
        for user, info in before.items():
            assert await held.member(user) == info
        await chatter(bot, 6, prefix="y")
        assert "helper" not in (await state(bot)).members

        bot.clear()
        for command in ("ban", "warn"):
            await bot.command("boss", command, target_user_id="helper", duration="1h")
        assert [a for a in bot.actions_for("helper") if isinstance(a, Ban | Warn)] == []
        replies = bot.texts("reply")
        assert len(replies) == 2 and all("moderators" in r for r in replies), replies
        await chatter(bot, 6, prefix="z")
        await bot.command("boss", "warn", target_user_id="bob", reason="a plain member")
        assert [a for a in bot.actions_for("bob") if isinstance(a, Warn)]
    finally:
        await bot.close()


async def _engagement_script(bot: BotHarness, evict: bool) -> list[str]:
    """Alice earns chat and check-in points, goes cold (others chatter), then comes back: the
    same message again (a duplicate), new ones up to the daily cap, a check-in the next day,
    and a redelivered event. Returns every reply and post the bot made."""
    if evict:
        tiny_budget(bot)
    await bot.say("alice", "checkin")  # streak 1, +10
    await bot.say("alice", "my first real message", at=timedelta(seconds=90))  # +10 chat
    await chatter(bot, 6)
    if evict:
        assert "alice" not in (await state(bot)).members
    await bot.say("alice", "my first real message", at=timedelta(seconds=90))  # duplicate
    await bot.say("alice", "another good message", at=timedelta(seconds=90))  # +10
    await bot.say("alice", "and one more message", at=timedelta(seconds=90))  # +10: cap 30
    again = MessagePosted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=bot.now + timedelta(seconds=90),
        channel_id="general",
        message_id="late-1",
        author=bot.actor("alice"),
        text="over the daily cap now",
        key="late-1",
    )
    await bot.emit(again)  # capped: nothing
    await chatter(bot, 6, prefix="y")
    await bot.emit(again)  # redelivered after she was evicted again: nothing
    await bot.command("alice", "rank")
    await bot.say("alice", "checkin", at=timedelta(days=1))  # streak 2, +10
    await chatter(bot, 6, prefix="z")
    await bot.command("alice", "rank")
    return bot.texts()


async def test_an_evicted_members_points_and_streak_continue_as_without_eviction(
    tmp_path, db_url
) -> None:
    outcomes = []
    for evict in (True, False):
        folder = tmp_path / ("evicted" if evict else "held")
        folder.mkdir()
        url = db_url if evict else None  # the reference run: SQLite, nothing evicted
        bot = await BotHarness.start(folder, ENGAGEMENT, db_url=url)
        try:
            texts = await _engagement_script(bot, evict)
            store = bot.runtime.store
            ref = await store.community(PLATFORM, COMMUNITY)
            balance = await points_q.balance_of(store, ref, "alice")
            streak = await checkin_q.streak_of(store, ref, "alice")
            evicted = bot.runtime.states.members_evicted
        finally:
            await bot.close()
        outcomes.append((texts, balance, streak and (streak.streak, streak.total), evicted))
    (texts, balance, streak, evicted), (texts_held, balance_held, streak_held, _) = outcomes
    assert evicted > 0
    assert balance == balance_held == points_q.Balance(xp=50, balance=50)
    assert streak == streak_held == (2, 2)
    assert texts == texts_held
    ranks = [t for t in texts if t.startswith("alice · level")]
    assert [r.rsplit(" · ", 1)[-1] for r in ranks] == ["40 points to spend", "50 points to spend"]


REACTIVATION = """
community: {name: Makers, timezone: UTC}
welcome: {newcomer_window: 3d, greeting: "hi {member}"}
points: {}
reactivation:
  tiers: [7d]
  steps:
    - {after: 7d, via: auto}
  at: "10:00"
  comeback: {within: 7d, points: 30}
"""


async def _reactivation_script(bot: BotHarness, evict: bool) -> list[str]:
    """Alice goes silent and cold; the daily sweep nudges her (read from the database while
    she is evicted); her message back is a comeback, paid once."""
    if evict:
        tiny_budget(bot)
    await bot.join("alice")
    await bot.say("alice", "hello, I am alice")
    await bot.join("late", at=timedelta(days=2))  # the join index no longer reaches alice
    for _ in range(6):
        await chatter(bot, 4)
        await bot.advance(timedelta(days=1))
    if evict:
        assert "alice" not in (await state(bot)).members
    await bot.advance(timedelta(days=1, hours=2))  # day 8, past the 10:00 sweep
    await bot.react("alice", "m1")  # a reaction loads her again (and is no activity) ...
    if evict:
        assert "alice" in (await state(bot)).members
    await chatter(bot, 4, prefix="y")  # ... so she is evicted again, with her open nudge
    if evict:
        assert "alice" not in (await state(bot)).members
    await bot.say("alice", "I'm back!")
    await bot.say("alice", "and again, back", at=timedelta(minutes=5))
    return [f"{a.kind} {getattr(a, 'user_id', '')}: {a.text_shown}" for a in bot.actions]


async def test_an_evicted_member_is_nudged_and_welcomed_back_as_without_eviction(
    tmp_path, db_url
) -> None:
    runs = []
    for evict in (True, False):
        folder = tmp_path / ("evicted" if evict else "held")
        folder.mkdir()
        bot = await BotHarness.start(folder, REACTIVATION, db_url=db_url if evict else None)
        try:
            actions = await _reactivation_script(bot, evict)
            ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
            balance = await points_q.balance_of(bot.runtime.store, ref, "alice")
        finally:
            await bot.close()
        runs.append((actions, balance))
    (actions, balance), (actions_held, balance_held) = runs
    assert any(a.startswith("send_direct alice:") for a in actions), actions
    assert actions.count("reply alice: 🎉 Welcome back, alice! +30 points.") == 1, actions
    assert actions == actions_held
    assert balance == balance_held
