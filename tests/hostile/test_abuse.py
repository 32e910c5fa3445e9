"""Abuse limits, end to end: /purge spares staff and bot messages unless asked, the
newcomer-reply bonus pays once per (newcomer, helper) and within its daily cap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import DeleteMessage
from rules.points import store as q
from tests.harness import COMMUNITY, PLATFORM, BotHarness

PLAYBOOK = """
community: {name: Makers, moderator_roles: [mods], admin_roles: [owners]}
welcome: {newcomer_window: 7d, greeting: "hi {member}"}
moderation: {}
points:
  messages: {points: 10, cooldown: 60s, daily_cap: 1000}
  newcomer_reply: {points: 20, daily_cap: 60}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    harness.moderators.add("mod")
    yield harness
    await harness.close()


async def test_purge_keeps_moderators_admins_and_bots_messages_unless_asked_for_all(bot):
    await bot.say("bob", "spam 1")  # m1
    await bot.say("mod", "please stop")  # m2 (a moderator)
    await bot.say("carol", "owner here", roles=("owners",))  # m3 (an admin by role)
    await bot.emit(_bot_message(bot, "m-bot"))  # another bot's announcement
    await bot.say("bob", "spam 2")  # m4
    await bot.command("mod", "purge", count=5)
    gone = [a.message_id for a in bot.actions if isinstance(a, DeleteMessage)]
    assert gone == ["m4", "m1"]
    assert bot.texts("reply")[-1] == (
        "Deleted 2 messages; kept 3 by moderators, admins or bots (/purge 5 all deletes those too)."
    )
    bot.clear()
    await bot.command("mod", "purge", count=5, scope="all")
    gone = [a.message_id for a in bot.actions if isinstance(a, DeleteMessage)]
    assert gone == ["m-bot", "m3", "m2"]
    assert bot.texts("reply")[-1] == "Deleted 3 messages."


def _bot_message(bot: BotHarness, message_id: str):
    from bot.events import MessagePosted

    return MessagePosted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=bot.now,
        channel_id="general",
        message_id=message_id,
        author=bot.actor("newsbot", bot=True),
        text="daily digest",
    )


async def balance(bot: BotHarness, user: str) -> q.Balance:
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    return await q.balance_of(bot.runtime.store, ref, user)


async def test_a_sock_puppet_newcomer_pays_its_friend_once_not_per_message(bot):
    await bot.join("puppet")
    for i in range(40):  # 40 newcomer messages, each answered by the same "helper"
        await bot.say("puppet", f"newbie question number {i}", at=timedelta(minutes=1))
        await bot.say("friend", f"answer number {i}", reply_to=f"m{2 * i + 1}")
    friend = await balance(bot, "friend")
    # 40 paid chat messages (one a minute) and ONE newcomer bonus
    assert friend.xp == 40 * 10 + 20


async def test_the_newcomer_reply_bonus_respects_its_daily_cap(bot):
    for n in range(5):  # five different newcomers, one helper
        await bot.join(f"new{n}")
    ids = []
    for n in range(5):
        await bot.say(f"new{n}", f"hello from newcomer {n}", at=timedelta(minutes=1))
        ids.append(f"m{len(ids) * 2 + 1}")
        await bot.say("helper", f"welcome newcomer {n}!", reply_to=ids[-1])
    helper = await balance(bot, "helper")
    assert helper.xp == 5 * 10 + 60  # the cap: 3 bonuses of 20, not 5
    await bot.advance(timedelta(days=1))
    await bot.join("new9")
    await bot.say("new9", "a new day, a new newcomer")
    await bot.say("helper", "welcome to you too", reply_to="m11")
    assert (await balance(bot, "helper")).xp == 5 * 10 + 60 + 10 + 20
