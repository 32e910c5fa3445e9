"""Polls as the calendar sends them, and posts to the moderators' channel, which on Telegram must
not land in the public group."""

from __future__ import annotations

import pytest

from adapters.telegram import TelegramAdapter
from bot.actions import Post
from tests.telegram.botapi_double import GROUP_ID, BotApiDouble, UpdateBuilder
from tests.telegram.conftest import MOD

GROUP = str(GROUP_ID)


async def test_a_poll_with_its_own_question_posts_the_text_then_the_poll(
    adapter: TelegramAdapter, api: BotApiDouble
):
    result = await adapter.execute(
        GROUP,
        Post(
            channel_id="general",
            text="Friday discussion: tools we love",
            poll_question="Which editor?",
            poll_options=("Vim", "VS Code", "Emacs"),
        ),
    )

    assert api.methods == ["sendMessage", "sendPoll"]
    assert api.calls_to("sendMessage")[0]["text"] == "Friday discussion: tools we love"
    (poll,) = api.calls_to("sendPoll")
    assert poll["question"] == "Which editor?"
    assert [o["text"] for o in poll["options"]] == ["Vim", "VS Code", "Emacs"]
    assert poll["chat_id"] == GROUP_ID
    assert result.ok and "poll sent" in result.detail


async def test_a_poll_without_its_own_question_asks_the_text(
    adapter: TelegramAdapter, api: BotApiDouble
):
    await adapter.execute(
        GROUP, Post(channel_id=GROUP, text="Next meetup?", poll_options=("Fri", "Sat"))
    )

    assert api.methods == ["sendPoll"]
    assert api.calls_to("sendPoll")[0]["question"] == "Next meetup?"


@pytest.mark.parametrize(
    ("options", "why"),
    [
        (("only one",), "2-12 options"),
        (tuple(f"option {i}" for i in range(13)), "2-12 options"),
        (("ok", "x" * 101), "1-100 characters"),
    ],
)
async def test_a_poll_telegram_would_refuse_is_posted_as_text_and_says_why(
    adapter: TelegramAdapter, api: BotApiDouble, options: tuple[str, ...], why: str
):
    result = await adapter.execute(
        GROUP, Post(channel_id=GROUP, text="Vote!", poll_question="Which?", poll_options=options)
    )

    assert api.methods == ["sendMessage"]
    assert result.ok and "poll skipped" in result.detail and why in result.detail


@pytest.mark.parametrize("name", ["mod-log", "#mod-log", "Moderators", "staff"])
async def test_posts_to_the_moderators_channel_go_to_the_administrators_not_the_group(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder, name: str
):
    await adapter.feed(updates.private(MOD))  # Mike (an administrator) started the bot
    api.clear()

    result = await adapter.execute(GROUP, Post(channel_id=name, text="Case #4 · ban · spam"))

    sent = api.delivered("sendMessage")  # the owner never started the bot: refused
    assert [s["chat_id"] for s in sent] == [MOD["id"]]
    assert "administrator" in result.detail


async def test_a_configured_moderators_chat_receives_the_mod_log(api: BotApiDouble, events: list):
    tg = TelegramAdapter("1:x", request=api, rate_limit=False, moderator_chat_id=-1009)
    await tg.start(events.append, [])  # type: ignore[arg-type]
    await tg.execute(GROUP, Post(channel_id="mod-log", text="Case #5 · timeout"))
    await tg.stop()

    assert [s["chat_id"] for s in api.calls_to("sendMessage")] == [-1009]


async def test_other_channel_names_still_mean_the_group(
    adapter: TelegramAdapter, api: BotApiDouble
):
    await adapter.execute(GROUP, Post(channel_id="general", text="hello"))
    await adapter.execute(GROUP, Post(channel_id="welcome", text="hello"))

    assert [s["chat_id"] for s in api.calls_to("sendMessage")] == [GROUP_ID, GROUP_ID]
