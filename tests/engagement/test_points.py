"""Points end to end: earning with cooldown and cap, no double pay on replays, level-ups with
roles, revocation, grants, tiers and the shop."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.actions import AddRole, AlertModerators, Post, Reply
from bot.events import MessageDeleted, MessagePosted
from rules.points import store as points_q
from tests.harness import COMMUNITY, PLATFORM, BotHarness

PLAYBOOK = """
community: {name: Makers, timezone: Asia/Shanghai}
welcome: {newcomer_window: 7d, greeting: "hi {member}"}
points:
  messages: {points: 10, cooldown: 60s, min_length: 3, daily_cap: 30}
  reactions: {points: 2, daily_cap: 4}
  newcomer_reply: {points: 20}
  levels:
    table: [25, 60, 100]
    roles: {1: Regular, 2: Veteran}
  tiers:
    at: "04:00"
    ladder:
      - {id: lurker, name: Lurker}
      - {id: newcomer, name: Newcomer, min_messages: 1, announce: false}
      - {id: active, name: Active, min_xp: 40, min_active_days: 2, role: active-role}
  shop:
    items:
      mug: {name: Coffee mug, cost: 30, stock: 1}
      sticker: {name: Sticker, cost: 500}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def balance(bot: BotHarness, user: str) -> points_q.Balance:
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    return await points_q.balance_of(bot.runtime.store, ref, user)


async def test_messages_earn_with_cooldown_min_length_and_daily_cap(bot):
    await bot.say("alice", "hello there")  # +10
    await bot.say("alice", "again soon", at=timedelta(seconds=30))  # cooldown: nothing
    await bot.say("alice", "ok", at=timedelta(seconds=61))  # too short: nothing
    await bot.say("alice", "now it pays", at=timedelta(seconds=1))  # +10
    await bot.say("alice", "now it pays", at=timedelta(seconds=61))  # duplicate text: nothing
    await bot.say("alice", "third paid one", at=timedelta(seconds=61))  # +10 (cap 30 reached)
    await bot.say("alice", "over the cap", at=timedelta(seconds=61))  # capped: nothing
    assert (await balance(bot, "alice")).xp == 30
    # the cap is per local day: the next Shanghai day pays again
    await bot.say("alice", "a new day dawns", at=timedelta(days=1))
    assert (await balance(bot, "alice")).xp == 40


async def test_a_replayed_message_never_pays_twice_even_after_restart(bot):
    first = await bot.say("alice", "hello there")
    event = MessagePosted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=bot.now,
        channel_id="general",
        message_id="m1",
        author=bot.actor("alice"),
        text="hello there",
    )
    assert first.community.id  # the community exists
    await bot.emit(event)
    assert (await balance(bot, "alice")).xp == 10
    await bot.restart()
    await bot.emit(event)
    await bot.emit(replace(event))
    assert (await balance(bot, "alice")).xp == 10
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    keys = [k for k, _, _ in await points_q.ledger(bot.runtime.store, ref, "alice")]
    assert keys == ["msg:m1"]


async def test_level_up_is_announced_once_with_its_role(bot):
    for i in range(3):
        await bot.say("alice", f"message number {i}", at=timedelta(minutes=2))
    posts = [a for a in bot.actions if isinstance(a, Post)]
    roles = [a for a in bot.actions if isinstance(a, AddRole)]
    assert [p.text for p in posts] == ["🎉 alice reached level 1! New role: Regular."]
    assert [(r.user_id, r.role) for r in roles] == [("alice", "Regular")]


async def test_reactions_pay_the_author_up_to_a_cap_and_not_for_self_reactions(bot):
    await bot.say("bob", "look at this")
    for reactor in ["alice", "carol", "dave", "bob"]:
        await bot.react(reactor, "m1", author="bob")
    await bot.react("alice", "m1", author="bob")  # same reaction again: nothing
    assert (await balance(bot, "bob")).xp == 10 + 4  # 2 + 2, then the cap of 4


async def test_first_reply_to_a_newcomer_earns_a_bonus_once(bot):
    await bot.join("newbie")
    await bot.say("newbie", "hi all, I am new here")  # m1
    await bot.say("alice", "welcome!", reply_to="m1", at=timedelta(minutes=1))
    await bot.say("carol", "hello and welcome", reply_to="m1", at=timedelta(minutes=1))
    assert (await balance(bot, "alice")).xp == 10 + 20
    assert (await balance(bot, "carol")).xp == 10


async def test_deleted_message_loses_its_points(bot):
    await bot.say("alice", "spammy but long")
    await bot.react("bob", "m1", author="alice")
    assert (await balance(bot, "alice")).xp == 12
    deleted = MessageDeleted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=bot.now,
        channel_id="general",
        message_id="m1",
        author_id="alice",
    )
    await bot.emit(deleted)
    await bot.emit(deleted)  # twice: still taken back once
    assert (await balance(bot, "alice")).xp == 0


async def test_deleting_a_message_whose_points_are_still_queued_costs_no_flush(bot):
    await bot.say("alice", "paid but not yet written")  # m1: +10, queued for the flush
    store = bot.runtime.store
    credits = store.flush_parts[points_q.CreditBuffer.NAME]
    deleted = MessageDeleted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=bot.now,
        channel_id="general",
        message_id="m1",
        author_id="alice",
    )
    await bot.emit(deleted)
    await bot.emit(deleted)  # twice: taken back once
    assert credits.pending()  # the revocation waits for the flush beside the points it cancels
    ref = await store.community(PLATFORM, COMMUNITY)
    state = bot.runtime.states.loaded(ref.id)
    assert state.memory["points.members"]["alice"].xp == 0  # what the rules see already
    await bot.restart()  # a clean shutdown flushes both rows together
    keys = [k for k, _, _ in await points_q.ledger(bot.runtime.store, ref, "alice")]
    assert keys == ["msg:m1", "revoke:m1:alice"]
    assert (await balance(bot, "alice")).xp == 0


async def test_moderator_grants_with_bounds(bot):
    bot.moderators.add("mod")
    await bot.command(
        "mod", "points", action="give", target_user_id="alice", amount=50, reason="helped"
    )
    assert bot.texts("reply")[-1] == "+50 points to alice (helped). Balance: 50."
    await bot.command("mod", "points", action="take", target_user_id="alice", amount=-5)
    await bot.command("mod", "points", action="give", target_user_id="alice", amount=10**9)
    await bot.command("mod", "points", action="give", target_user_id="alice", amount="lots")
    assert bot.texts("reply")[-3:] == ["The amount must be a whole number from 1 to 1000."] * 3
    await bot.command("alice", "points", action="give", target_user_id="alice", amount=100)
    assert "moderator" in bot.texts("reply")[-1]
    await bot.command(
        "mod", "points", action="take", target_user_id="alice", amount=20, reason="oops"
    )
    assert (await balance(bot, "alice")).xp == 30
    # level 1 (25 XP) was reached by the grant and announced with its role
    assert any(isinstance(a, AddRole) and a.role == "Regular" for a in bot.actions)


async def test_rank_and_leaderboard(bot):
    await bot.say("alice", "hello there")
    await bot.say("bob", "hello there too")
    await bot.say("bob", "and more from bob", at=timedelta(minutes=2))
    await bot.command("alice", "rank")
    rank = bot.texts("reply")[-1]
    assert rank.startswith("alice · level 0 ▰▰▰▰▱▱▱▱▱▱ 10/25 XP · tier Lurker · #2 of 2")
    await bot.command("alice", "leaderboard", period="week")
    assert bot.texts("reply")[-1].splitlines() == [
        "🏆 Leaderboard — this week",
        "1. bob — 20",
        "2. alice — 10",
    ]


async def test_redemption_spends_atomically_and_alerts_moderators(bot):
    bot.moderators.add("mod")
    await bot.command("mod", "points", action="give", target_user_id="alice", amount=40)
    await bot.command("mod", "points", action="give", target_user_id="bob", amount=40)
    bot.clear()
    await bot.command("alice", "redeem", item="mug")
    assert isinstance(bot.actions[0], Reply) and "redeemed Coffee mug" in bot.actions[0].text
    assert isinstance(bot.actions[1], AlertModerators)
    assert (await balance(bot, "alice")) == points_q.Balance(xp=40, balance=10)
    bot.clear()
    await bot.command("bob", "redeem", item="mug")  # stock was 1
    await bot.command("bob", "redeem", item="sticker")  # 500 > 40
    await bot.command("bob", "redeem", item="yacht")
    assert bot.texts("reply") == [
        "Coffee mug is sold out, sorry.",
        "Sticker costs 500 points; you have 40.",
        "There is no item “yacht”. See /shop for what you can redeem.",
    ]
    assert not any(isinstance(a, AlertModerators) for a in bot.actions)
    assert (await balance(bot, "bob")) == points_q.Balance(xp=40, balance=40)
    await bot.command("bob", "shop")
    assert "mug: Coffee mug — 30 points (0 left)" in bot.texts("reply")[-1]


async def test_tier_promotion_is_announced_by_the_daily_job(bot):
    await bot.say("alice", "day one message")
    await bot.say("alice", "day one again", at=timedelta(minutes=2))
    await bot.say("alice", "day two message", at=timedelta(days=1))
    await bot.say("alice", "day two again", at=timedelta(minutes=2))
    await bot.say("bob", "just one message")
    bot.clear()
    await bot.advance(timedelta(days=1))  # 04:00 Shanghai passes
    promoted = [a for a in bot.actions if isinstance(a, Post)]
    assert [p.text for p in promoted] == ["🏅 Welcome to Active: alice. Thank you for all you do!"]
    assert any(isinstance(a, AddRole) and a.role == "active-role" for a in bot.actions)
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    assert await points_q.tier_distribution(bot.runtime.store, ref) == {"active": 1, "newcomer": 1}
    bot.clear()
    await bot.advance(timedelta(days=1))
    assert bot.texts("post") == []  # no change, no announcement


async def test_ledger_check_in_and_redemption_on_each_database(tmp_path, db_url):
    bot = await BotHarness.start(tmp_path, PLAYBOOK + "checkin: {points: 10}\n", db_url=db_url)
    bot.moderators.add("mod")
    await bot.command("mod", "points", action="give", target_user_id="alice", amount=25)
    await bot.say("alice", "打卡")
    await bot.say("alice", "打卡", at=timedelta(minutes=1))
    await bot.command("alice", "redeem", item="mug")
    await bot.command("alice", "redeem", item="mug")
    assert (await balance(bot, "alice")) == points_q.Balance(xp=35, balance=5)
    assert bot.texts("reply")[-1] == "Coffee mug is sold out, sorry."
    await bot.close()
