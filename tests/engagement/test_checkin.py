"""Check-ins end to end: local days across a timezone boundary, streaks, freezes, milestones,
exactly once per day, reminders and /streaks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import AddRole, Post, Reply
from bot.events import MessagePosted
from rules.checkin import store as checkin_q
from rules.points import store as points_q
from tests.harness import COMMUNITY, PLATFORM, BotHarness

# 2026-03-02 15:30 UTC is 23:30 in Shanghai
LATE = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)

PLAYBOOK = """
community: {name: Readers, timezone: Asia/Shanghai}
checkin:
  keywords: [打卡, 签到, checkin]
  points: 10
  freezes: {every_days: 3, max: 1}
  milestones:
    - {days: 5, points: 50, role: Habit, announce: true}
  reminder: {enabled: true, at: "20:00", min_streak: 2}
points:
  levels: {table: [1000, 2000]}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK, start=LATE - timedelta(hours=1))
    yield harness
    await harness.close()


async def streak(bot: BotHarness, user: str) -> checkin_q.StreakInfo | None:
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    return await checkin_q.streak_of(bot.runtime.store, ref, user)


async def test_a_week_of_checkins_across_midnight_with_a_freeze_spent(bot):
    await bot.say("alice", "打卡 第一天", at=LATE)  # 23:30 local, Monday
    assert bot.texts("reply")[-1].startswith("✅ alice checked in — streak 1 (best 1)")
    await bot.say("alice", "打卡", at=LATE + timedelta(hours=1))  # 00:30 local: a new day
    assert "streak 2" in bot.texts("reply")[-1]
    await bot.command("alice", "checkin")  # same local day again
    assert bot.texts("reply")[-1].startswith("alice, you already checked in today")
    await bot.say("alice", "签到", at=timedelta(days=1))  # Wednesday: 3 days, earns a freeze
    assert "You earned a streak freeze (1 in hand)" in bot.texts("reply")[-1]
    # Thursday is missed; Friday's check-in spends the freeze and the streak goes on
    await bot.say("alice", "打卡", at=timedelta(days=2))
    assert "streak 4" in bot.texts("reply")[-1]
    assert "streak freeze covered the day you missed (0 left)" in bot.texts("reply")[-1]
    bot.clear()
    await bot.say("alice", "checkin", at=timedelta(days=1))  # Saturday: the 5-day milestone
    assert any(isinstance(a, AddRole) and a.role == "Habit" for a in bot.actions)
    assert "🔥 alice has checked in 5 days in a row! +50 points." in bot.texts("post")
    # Two days missed with no freeze left: the streak starts again, the best stays
    await bot.say("alice", "打卡", at=timedelta(days=3))
    info = await streak(bot, "alice")
    assert (info.streak, info.best, info.total) == (1, 5, 6)
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    balance = await points_q.balance_of(bot.runtime.store, ref, "alice")
    assert balance.xp == 6 * 10 + 50  # check-in messages earn no chat points on top
    stats = await checkin_q.checkin_stats(
        bot.runtime.store, ref, LATE.date(), LATE.date() + timedelta(days=14)
    )
    assert (stats.checkins, stats.participants) == (6, 1)


async def test_duplicate_and_concurrent_checkins_count_once(bot):
    event = MessagePosted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=LATE,
        channel_id="general",
        message_id="dup",
        author=bot.actor("bob"),
        text="打卡",
    )
    await bot.advance(LATE - bot.now)
    await asyncio.gather(bot.runtime.handle(event), bot.runtime.handle(event))
    replies = bot.texts("reply")
    assert len([r for r in replies if r.startswith("✅")]) == 1
    assert len([r for r in replies if "already checked in" in r]) == 1
    await bot.restart()
    await bot.emit(event)
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    assert (await points_q.balance_of(bot.runtime.store, ref, "bob")).xp == 10
    assert (
        await checkin_q.checkin_stats(
            bot.runtime.store, ref, LATE.date(), LATE.date() + timedelta(days=2)
        )
    ).checkins == 1


async def test_bots_and_ordinary_messages_do_not_check_in(bot):
    await bot.emit(
        MessagePosted(
            platform=PLATFORM,
            community_id=COMMUNITY,
            occurred_at=bot.now,
            channel_id="general",
            message_id="b1",
            author=bot.actor("helper", bot=True),
            text="打卡",
        )
    )
    await bot.say("carol", "I will checkin later maybe")
    await bot.say("carol", "checking the docs")
    assert bot.texts("reply") == []
    assert await streak(bot, "helper") is None and await streak(bot, "carol") is None


async def test_rank_today_and_streak_leaderboard(bot):
    await bot.say("alice", "打卡", at=LATE)
    await bot.command("bob", "checkin")
    assert "#2 today" in bot.texts("reply")[-1]
    await bot.say("alice", "打卡", at=timedelta(hours=1))
    await bot.command("alice", "streaks")
    assert bot.texts("reply")[-1].splitlines() == [
        "🔥 Check-in streaks",
        "1. alice — 2 days (best 2)",
        "2. bob — 1 days (best 1)",
    ]


async def test_reminder_at_local_time_mentions_streaks_at_risk_once(bot):
    await bot.say("alice", "打卡", at=LATE)
    await bot.say("alice", "打卡", at=timedelta(hours=1))  # Tuesday 00:30, streak 2
    await bot.say("bob", "打卡")  # streak 1: not reminded
    bot.clear()
    await bot.advance(timedelta(hours=19, minutes=20))  # Tuesday 19:50 local
    assert bot.texts("post") == []
    await bot.advance(timedelta(minutes=20))  # 20:10: alice checked in today, not at risk
    assert bot.texts("post") == []
    await bot.advance(timedelta(days=1))  # Wednesday 20:00: alice has not checked in yet
    posts = [a for a in bot.actions if isinstance(a, Post)]
    assert [p.text for p in posts] == ["⏰ Don't lose your streak: alice, check in today!"]
    assert posts[0].mentions == ("alice",)


async def test_checkin_channels_refuse_the_command_elsewhere(tmp_path):
    bot = await BotHarness.start(tmp_path, "checkin: {channels: [daily]}")
    await bot.command("alice", "checkin", channel="general")
    await bot.say("alice", "打卡", channel="general")
    assert bot.texts("reply") == ["Please check in in #daily."]
    await bot.command("alice", "checkin", channel="daily")
    assert isinstance(bot.actions[-1], Reply) and bot.actions[-1].text.startswith("✅")
    await bot.close()


async def test_chinese_community_gets_chinese_replies(tmp_path):
    bot = await BotHarness.start(tmp_path, "community: {language: zh}\ncheckin: {}")
    await bot.say("alice", "打卡")
    assert bot.texts("reply")[-1].startswith("✅ alice 打卡成功！已连续打卡 1 天")
    await bot.close()
