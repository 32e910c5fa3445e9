"""Who a rule applies to, through the whole pipeline: newcomer restrictions on mentions, and the
classifier judging a member's first messages only or every message (`apply_to`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import DeleteMessage, Post
from tests.harness import BotHarness

NEWCOMER_PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
welcome: {enabled: false, newcomer_window: 7d}
antispam:
  rules:
    - name: newcomers
      triggers:
        newcomer: {first_messages: 2, first_hours: 24, links: false, mentions: true}
      actions: {delete: true, reply: "{member}, please get to know us before tagging people."}
"""

SPAM = (
    "WINNER!! You have been selected to receive a £900 cash prize. "
    "Call 09061701461 to claim now. Valid 12 hours only"
)


def classifier_playbook(apply_to: str) -> str:
    return f"""
community: {{name: Makers, mod_log_channel: mod-log}}
welcome: {{enabled: false}}
antispam:
  classifier: {{apply_to: {apply_to}, first_messages: 3}}
  rules:
    - name: classifier
      triggers: {{classifier: true}}
      actions: {{delete: true, alert: true}}
"""


@pytest.fixture
async def newcomer_bot(tmp_path):
    harness = await BotHarness.start(tmp_path, NEWCOMER_PLAYBOOK)
    yield harness
    await harness.close()


def deleted_for(bot: BotHarness, user: str) -> list[str]:
    return [a.message_id for a in bot.actions_for(user) if isinstance(a, DeleteMessage)]


async def test_a_newcomers_mention_is_removed_with_a_reply(newcomer_bot):
    bot = newcomer_bot
    await bot.join("nina")
    await bot.say("nina", "hello everyone, I am nina")  # no mention: fine
    assert bot.actions == []
    await bot.say("nina", "hey @ann, nice to meet you", mentions=("ann",))
    assert len(deleted_for(bot, "nina")) == 1
    assert bot.texts("reply") == ["nina, please get to know us before tagging people."]
    bot.clear()
    # a mention written in the text (no platform mention) counts too; an e-mail does not
    await bot.say("nina", "mail me at nina@example.com")
    assert bot.actions == []
    handled = await bot.say("nina", "thanks @bobby for the help")
    assert len(deleted_for(bot, "nina")) == 1
    assert {o.reason.split(" (")[0] for o in handled.actions} == {"newcomers: newcomer mention"}


async def test_a_veterans_mention_is_left_alone(newcomer_bot):
    bot = newcomer_bot
    await bot.join("vera")
    await bot.say("vera", "first message")
    await bot.say("vera", "second message")
    # inside her first 24 hours the restriction still holds, past her first messages
    await bot.say("vera", "hi @ann", mentions=("ann",), at=timedelta(hours=1))
    assert len(deleted_for(bot, "vera")) == 1
    bot.clear()
    await bot.say("vera", "hi again @ann", mentions=("ann",), at=timedelta(days=2))
    assert bot.actions == []
    # a member from before the bot (never seen joining) past their first messages: fine
    await bot.say("omar", "morning all")
    await bot.say("omar", "coffee time")
    await bot.say("omar", "@ann @ben the notes are up", mentions=("ann", "ben"))
    assert bot.actions == []


async def test_a_newcomers_mention_passes_when_mentions_are_not_restricted(tmp_path):
    playbook = NEWCOMER_PLAYBOOK.replace("mentions: true", "mentions: false, media: true")
    bot = await BotHarness.start(tmp_path, playbook)
    try:
        await bot.join("nina")
        await bot.say("nina", "hey @ann, nice to meet you", mentions=("ann",))
        assert bot.actions == []
    finally:
        await bot.close()


async def veteran_posts_spam(bot: BotHarness) -> None:
    """Five ordinary messages, then the kind of SMS spam the classifier was seeded with."""
    for text in [
        "good morning everyone",
        "did anyone finish the homework?",
        "I'll bring the notes tonight",
        "see you at the study session",
        "thanks for the help yesterday",
    ]:
        await bot.say("vic", text, at=timedelta(minutes=5))
    assert bot.actions == []
    await bot.say("vic", SPAM, at=timedelta(minutes=5))


async def test_the_classifier_applied_to_all_messages_catches_a_veteran(tmp_path):
    bot = await BotHarness.start(tmp_path, classifier_playbook("all"))
    try:
        await veteran_posts_spam(bot)
        assert len(deleted_for(bot, "vic")) == 1
        # the moderators' log channel hears why
        [log] = [a for a in bot.actions if isinstance(a, Post) and a.channel_id == "mod-log"]
        assert "classifier" in log.text
    finally:
        await bot.close()


async def test_the_classifier_on_first_messages_lets_a_veteran_through(tmp_path):
    bot = await BotHarness.start(tmp_path, classifier_playbook("first_messages"))
    try:
        await veteran_posts_spam(bot)
        assert bot.actions == []
        # the same text from someone within their first 3 messages is caught
        await bot.say("newbie", SPAM)
        assert len(deleted_for(bot, "newbie")) == 1
    finally:
        await bot.close()
