"""FAQ end to end: Chinese-aware matching, one answer per channel per cooldown, counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rules.faq import store as faq_q
from tests.harness import COMMUNITY, PLATFORM, BotHarness

PLAYBOOK = """
community: {name: 学习群, timezone: Asia/Shanghai}
faq:
  cooldown: 10m
  entries:
    - id: signup
      keywords: [怎么报名, 如何报名, how do I join]
      answer: "{member}，报名请点群公告里的链接。"
    - id: price
      keywords: [price, 多少钱]
      patterns: ['cost(s)? of (the )?course']
      answer: "The course is free."
      channels: [general]
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


async def test_question_inside_a_chinese_sentence_is_answered_once_per_cooldown(bot):
    await bot.say("alice", "请问怎么报名呀？")
    assert bot.texts("reply") == ["alice，报名请点群公告里的链接。"]
    await bot.say("bob", "我也想知道如何报名", at=timedelta(minutes=3))
    assert len(bot.texts("reply")) == 1  # same channel, inside the cooldown
    await bot.say("carol", "怎么报名？", channel="other")  # another channel: answered
    await bot.say("dave", "怎么报名", at=timedelta(minutes=8))  # cooldown over
    assert bot.texts("reply")[1:] == [
        "carol，报名请点群公告里的链接。",
        "dave，报名请点群公告里的链接。",
    ]


async def test_latin_keywords_match_whole_words_and_patterns_work(bot):
    await bot.say("alice", "that was priceless")
    assert bot.texts("reply") == []
    await bot.say("bob", "What is the COST of the course?")
    assert bot.texts("reply") == ["The course is free."]
    await bot.say("carol", "what's the price", channel="random")  # not answered there
    assert len(bot.texts("reply")) == 1


async def test_most_asked_questions_are_counted(bot):
    bot.moderators.add("mod")
    for user in ["a", "b", "c"]:
        await bot.say(user, "怎么报名", at=timedelta(minutes=1))
    await bot.say("d", "多少钱")
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    today = bot.now.date()
    counts = await faq_q.faq_answer_counts(
        bot.runtime.store, ref, today - timedelta(days=1), today + timedelta(days=2)
    )
    assert counts == [("signup", 3, 1), ("price", 1, 1)]
    await bot.command("mod", "faq", what="stats")
    assert bot.texts("reply")[-1].splitlines()[1:] == [
        "1. signup — asked 3×, answered 1×",
        "2. price — asked 1×, answered 1×",
    ]
    await bot.command("a", "faq", what="stats")  # statistics are for moderators
    assert bot.texts("reply")[-1] == "Only moderators can use /faq stats."


async def test_members_list_the_faq_with_its_answers(bot):
    await bot.command("alice", "faq")

    assert bot.texts("reply")[-1].splitlines() == [
        "Questions I answer (just ask in the chat):",
        "• 怎么报名 — alice，报名请点群公告里的链接。",
        "• price — The course is free.",
    ]


async def test_a_question_in_traditional_chinese_finds_the_simplified_entry(bot):
    await bot.say("alice", "請問怎麼報名呀？")  # 怎么报名 written in traditional characters
    assert bot.texts("reply") == ["alice，报名请点群公告里的链接。"]
    await bot.say("bob", "這門課多少錢？", channel="general", at=timedelta(minutes=1))  # 多少钱
    assert bot.texts("reply")[-1] == "The course is free."
