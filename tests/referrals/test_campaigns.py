"""A 裂变 campaign through the whole pipeline: joins during it count for it, its leaderboard,
the goal's badge, and one closing post with the winners, in the playbook's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.recording import simulated_link
from tests.harness import BotHarness

DAY = timedelta(days=1)

PLAYBOOK = """
community: {name: 学习群, language: zh, timezone: Asia/Shanghai}
referrals:
  rewards: {after: 3d, min_messages: 1, points: 0, notify: none}
  campaigns:
    - name: spring
      title: 春季裂变
      start: 2026-03-02
      end: 2026-03-04
      goal: 2
      role: 推广大使
      winners: 2
      channel: announcements
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def _brings(bot: BotHarness, inviter: str, *invitees: str) -> None:
    await bot.command(inviter, "invite")
    for name in invitees:
        await bot.join(name, invite=simulated_link("test", inviter))
        await bot.say(name, "大家好")


def _closings(bot: BotHarness) -> list[str]:
    return [a.text_shown for a in bot.actions if a.kind == "post" and "结束" in a.text_shown]


async def test_campaign_leaderboard_badge_and_one_closing_post(bot):
    await _brings(bot, "alice", "a1", "a2")
    await _brings(bot, "bob", "b1")
    await bot.advance(DAY)
    await _brings(bot, "carol", "c1")
    await bot.leave("c1")
    bot.clear()
    await bot.command("dave", "invites", campaign="campaign spring")
    board = bot.texts()[-1]
    assert "春季裂变" in board and "目标：邀请 2 位" in board
    assert "还没有被邀请的好友留满时间" in board  # nobody decided yet

    await bot.advance(3 * DAY + timedelta(hours=1))
    badges = [a for a in bot.actions if a.kind == "add_role"]
    assert [(a.user_id, a.role) for a in badges] == [("alice", "推广大使")]
    await bot.command("dave", "invites", campaign="campaign 春季裂变")
    lines = bot.texts()[-1].splitlines()
    assert lines[1:3] == ["1. alice — 2", "2. bob — 1"]

    # the closing post, once, after the campaign ended and its invitees were decided
    await bot.advance(DAY)
    closing = _closings(bot)
    assert len(closing) == 1
    assert "春季裂变" in closing[0] and "1. alice（2 位）" in closing[0]
    assert "2. bob（1 位）" in closing[0] and "carol" not in closing[0]
    post = next(a for a in bot.actions if a.kind == "post" and "结束" in a.text_shown)
    assert post.channel_id == "announcements"
    await bot.restart()
    bot.clear()
    await bot.advance(3 * DAY)
    assert _closings(bot) == []


async def test_joins_after_the_campaign_do_not_count_for_it(bot):
    await bot.advance(3 * DAY)  # 2026-03-05 in Shanghai: the campaign is over
    await _brings(bot, "alice", "late1")
    await bot.advance(4 * DAY)
    bot.clear()
    await bot.command("dave", "invites", campaign="spring")
    assert "alice" not in bot.texts()[-1]
    await bot.command("dave", "invites")
    assert "1. alice — 1" in bot.texts()[-1]


async def test_an_unknown_campaign_is_named_with_the_ones_there_are(bot):
    await bot.command("dave", "invites", campaign="campaign winter")
    assert bot.texts()[-1] == "没有名为「winter」的活动。现有活动：spring。"
