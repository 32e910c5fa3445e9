"""/leaderboard for this week, this month and all time, on points earned on different days in
the community's timezone (Asia/Shanghai, UTC+8), with totals worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.harness import BotHarness

PLAYBOOK = """
community: {name: Makers, timezone: Asia/Shanghai}
welcome: {enabled: false}
points:
  messages: {points: 10, cooldown: 60s, min_length: 3, daily_cap: 30}
"""


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK, start=utc(20, 2, month=2))
    harness.moderators.add("mod")
    # Fri 20 Feb (local 10:00): carol is granted 100, alice earns 2 × 10
    await harness.command("mod", "points", action="give", target_user_id="carol", amount=100)
    await harness.say("alice", "hello from alice", at=utc(20, 2, 1, month=2))
    await harness.say("alice", "more from alice", at=utc(20, 2, 3, month=2))
    # Sat 28 Feb 23:30 local (15:30 UTC): bob earns 10 in February
    await harness.say("bob", "late in february", at=utc(28, 15, 30, month=2))
    # Sun 1 Mar 01:00 local (still 28 Feb in UTC): bob earns 10 and dave is granted 45 in
    # March, but before this week began (Monday 2 Mar 00:00 local)
    await harness.say("bob", "first of march", at=utc(28, 17, month=2))
    await harness.advance(utc(28, 17, 1, month=2) - harness.now)
    await harness.command("mod", "points", action="give", target_user_id="dave", amount=45)
    # Mon 2 Mar (local 10:00): alice earns 3 × 10, carol 10
    for minute in (0, 2, 4):
        await harness.say("alice", f"monday note {minute}", at=utc(2, 2, minute))
    await harness.say("carol", "hi from carol", at=utc(2, 2, 6))
    # Wed 4 Mar: bob is granted 5
    await harness.advance(utc(4, 3) - harness.now)
    await harness.command("mod", "points", action="give", target_user_id="bob", amount=5)
    await harness.advance(utc(4, 12) - harness.now)
    yield harness
    await harness.close()


async def board(bot: BotHarness, period: str) -> list[str]:
    await bot.command("alice", "leaderboard", period=period)
    return bot.texts("reply")[-1].splitlines()


async def test_this_week_counts_from_local_monday(bot):
    # alice 3 × 10 = 30; carol 10; bob 5; dave's grant came on local Sunday: not this week
    assert await board(bot, "week") == [
        "🏆 Leaderboard — this week",
        "1. alice — 30",
        "2. carol — 10",
        "3. bob — 5",
    ]


async def test_this_month_counts_from_the_local_first(bot):
    # dave 45 (local 1 Mar); alice 30; bob 10 (local 1 Mar) + 5 = 15; carol 10
    assert await board(bot, "month") == [
        "🏆 Leaderboard — this month",
        "1. dave — 45",
        "2. alice — 30",
        "3. bob — 15",
        "4. carol — 10",
    ]


async def test_all_time_counts_everything(bot):
    # carol 100 + 10; alice 20 + 30; dave 45; bob 10 + 10 + 5
    assert await board(bot, "all") == [
        "🏆 Leaderboard — all time",
        "1. carol — 110",
        "2. alice — 50",
        "3. dave — 45",
        "4. bob — 25",
    ]


async def test_a_new_month_starts_empty_at_local_midnight(bot):
    await bot.advance(utc(31, 15, 59) - bot.now)  # 31 Mar 23:59 local
    assert (await board(bot, "month"))[1:] == ["1. dave — 45", "2. alice — 30",
                                               "3. bob — 15", "4. carol — 10"]  # fmt: skip
    await bot.advance(utc(31, 16, 1) - bot.now)  # 1 Apr 00:01 local, still 31 Mar in UTC
    assert await board(bot, "month") == ["No points earned yet (this month)."]
    assert (await board(bot, "all"))[1] == "1. carol — 110"
