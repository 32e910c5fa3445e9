"""Each action becomes exactly the Bot API call a moderator would expect."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from adapters.telegram import TelegramAdapter
from bot.actions import (
    AddRole,
    AlertModerators,
    Ban,
    Button,
    DeleteMessage,
    Kick,
    Post,
    RemoveTimeout,
    Reply,
    SendDirect,
    Timeout,
    Unban,
    Warn,
)
from bot.adapter import PlatformError
from tests.telegram.botapi_double import GROUP_ID, BotApiDouble, UpdateBuilder
from tests.telegram.conftest import ALICE, BOB, MOD, NOW, OWNER

GROUP = str(GROUP_ID)


async def test_post_with_buttons_goes_to_the_group_and_returns_the_message_id(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    result = await adapter.execute(
        GROUP,
        Post(
            channel_id="general",  # a playbook channel name: Telegram has one chat
            text="Welcome! Are you human?",
            buttons=(Button("Yes", "captcha:yes"), Button("No", "captcha:no")),
        ),
    )

    (sent,) = api.calls_to("sendMessage")
    assert sent["chat_id"] == GROUP_ID
    assert sent["text"] == "Welcome! Are you human?"
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Yes", "callback_data": "captcha:yes"},
                {"text": "No", "callback_data": "captcha:no"},
            ]
        ]
    }
    assert result.ref is not None and result.ref.isdigit()


async def test_post_into_a_forum_topic_and_mentioning_a_member(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder
) -> None:
    await adapter.feed(updates.message(ALICE, "hi"))  # the bot learns Alice's name
    await adapter.execute(
        GROUP, Post(channel_id=f"{GROUP_ID}:7", text="Welcome, Alice 👋", mentions=("10",))
    )

    (sent,) = api.calls_to("sendMessage")
    assert sent["message_thread_id"] == 7
    (entity,) = sent["entities"]
    assert entity["type"] == "text_mention"
    assert (entity["offset"], entity["length"], entity["user"]["id"]) == (9, 5, 10)


async def test_post_with_an_image_uploads_the_local_file_as_a_photo(
    adapter: TelegramAdapter, api: BotApiDouble, tmp_path: Path
) -> None:
    chart = tmp_path / "weekly.png"
    chart.write_bytes(b"\x89PNG fake")
    result = await adapter.execute(
        GROUP, Post(channel_id=GROUP, text="Weekly report", image=str(chart))
    )

    (call,) = [c for c in api.calls if c.method == "sendPhoto"]
    assert call.params["caption"] == "Weekly report"
    assert call.files  # the bytes were uploaded, not a path sent
    assert api.calls_to("sendMessage") == []
    assert result.ref is not None


async def test_post_with_poll_options_sends_a_poll(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    await adapter.execute(
        GROUP, Post(channel_id=GROUP, text="Next meetup?", poll_options=("Friday", "Saturday"))
    )

    (poll,) = api.calls_to("sendPoll")
    assert poll["question"] == "Next meetup?"
    assert [o["text"] for o in poll["options"]] == ["Friday", "Saturday"]


async def test_reply_answers_the_message(adapter: TelegramAdapter, api: BotApiDouble) -> None:
    await adapter.execute(GROUP, Reply(channel_id=GROUP, text="Checked in: day 3", reply_to="321"))

    (sent,) = api.calls_to("sendMessage")
    assert sent["reply_parameters"] == {"message_id": 321, "allow_sending_without_reply": True}


async def test_a_private_reply_goes_by_dm_when_the_member_started_the_bot(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder
) -> None:
    await adapter.feed(updates.private(ALICE))
    await adapter.execute(
        GROUP, Reply(channel_id=GROUP, text="Report received", user_id="10", ephemeral=True)
    )
    await adapter.execute(
        GROUP, Reply(channel_id=GROUP, text="Report received", user_id="11", ephemeral=True)
    )

    # Bob never started the bot: Telegram refuses the DM, so he is answered in the group
    assert [s["chat_id"] for s in api.delivered("sendMessage")] == [10, GROUP_ID]


async def test_send_direct_to_a_member_who_started_the_bot(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder
) -> None:
    await adapter.feed(updates.private(ALICE))
    await adapter.execute(GROUP, SendDirect(user_id="10", text="Day 2 of onboarding"))

    (sent,) = api.calls_to("sendMessage")
    assert (sent["chat_id"], sent["text"]) == (10, "Day 2 of onboarding")


async def test_send_direct_to_a_member_who_never_started_the_bot_is_refused_clearly(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    with pytest.raises(PlatformError) as refused:
        await adapter.execute(GROUP, SendDirect(user_id="11", text="hello"))

    # not a missing permission: the member has not pressed Start (Telegram's own words)
    assert refused.value.kind == PlatformError.UNREACHABLE
    assert "can't initiate conversation" in str(refused.value)
    assert api.delivered("sendMessage") == []


async def test_a_button_under_a_dm_belongs_to_the_community_that_sent_it(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: list
) -> None:
    await adapter.feed(updates.private(ALICE))
    result = await adapter.execute(
        GROUP, SendDirect(user_id="10", text="Pick a topic", buttons=(Button("Python", "t:py"),))
    )
    chat = {"id": 10, "type": "private", "first_name": "Alice"}
    await adapter.feed(updates.button(ALICE, "t:py", message_id=int(result.ref), chat=chat))

    (press,) = [e for e in events if e.kind == "button"]
    assert (press.community_id, press.channel_id, press.custom_id) == (GROUP, "10", "t:py")


async def test_delete_message(adapter: TelegramAdapter, api: BotApiDouble) -> None:
    await adapter.execute(GROUP, DeleteMessage(channel_id=f"{GROUP_ID}:7", message_id="555"))

    assert api.calls_to("deleteMessage") == [{"chat_id": GROUP_ID, "message_id": 555}]


async def test_warn_tells_the_member_in_the_chat_and_mentions_them(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder
) -> None:
    await adapter.feed(updates.message(BOB, "spam"))
    await adapter.execute(GROUP, Warn(user_id="11", text="please stop posting links (1/3)"))

    (sent,) = api.calls_to("sendMessage")
    assert sent["chat_id"] == GROUP_ID
    assert sent["text"] == "Bob please stop posting links (1/3)"
    assert sent["entities"][0]["user"]["id"] == 11


async def test_timeout_restricts_everything_until_the_given_time(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    until = NOW + timedelta(minutes=10)
    await adapter.execute(GROUP, Timeout(user_id="11", until=until, reason="flood"))

    (call,) = api.calls_to("restrictChatMember")
    assert (call["chat_id"], call["user_id"]) == (GROUP_ID, 11)
    assert call["until_date"] == int(until.timestamp())
    assert call["permissions"] and not any(call["permissions"].values())


async def test_a_timeout_shorter_than_telegram_allows_stays_short_not_forever(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    await adapter.execute(GROUP, Timeout(user_id="11", until=NOW + timedelta(seconds=5)))

    (call,) = api.calls_to("restrictChatMember")
    assert call["until_date"] >= int((NOW + timedelta(seconds=30)).timestamp())


async def test_remove_timeout_restores_the_chats_default_permissions(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    api.chat_permissions[GROUP_ID] = {"can_send_messages": True, "can_send_polls": False}
    await adapter.execute(GROUP, RemoveTimeout(user_id="11"))

    (call,) = api.calls_to("restrictChatMember")
    assert call["permissions"]["can_send_messages"] is True
    assert call["permissions"]["can_send_polls"] is False
    assert "until_date" not in call


async def test_kick_removes_the_member_but_lets_them_come_back(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    await adapter.execute(GROUP, Kick(user_id="11"))

    assert api.methods == ["banChatMember", "unbanChatMember"]
    assert api.calls_to("unbanChatMember") == [
        {"chat_id": GROUP_ID, "user_id": 11, "only_if_banned": True}
    ]


async def test_ban_with_message_deletion_and_an_end(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    until = NOW + timedelta(days=7)
    await adapter.execute(GROUP, Ban(user_id="11", delete_message_seconds=3600, until=until))
    await adapter.execute(GROUP, Ban(user_id="12"))

    temporary, permanent = api.calls_to("banChatMember")
    assert temporary == {
        "chat_id": GROUP_ID,
        "user_id": 11,
        "until_date": int(until.timestamp()),
        "revoke_messages": True,
    }
    assert permanent == {"chat_id": GROUP_ID, "user_id": 12, "revoke_messages": False}


async def test_unban(adapter: TelegramAdapter, api: BotApiDouble) -> None:
    await adapter.execute(GROUP, Unban(user_id="11"))

    assert api.calls_to("unbanChatMember") == [
        {"chat_id": GROUP_ID, "user_id": 11, "only_if_banned": True}
    ]


async def test_alerts_go_by_dm_to_administrators_who_started_the_bot(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder
) -> None:
    await adapter.feed(updates.private(MOD))
    result = await adapter.execute(GROUP, AlertModerators(text="Raid: 20 joins in 10s"))

    # the owner never started the bot: tried, refused by Telegram, not tried again
    assert [s["chat_id"] for s in api.delivered("sendMessage")] == [2]
    assert "1 administrator" in result.detail
    await adapter.execute(GROUP, AlertModerators(text="Raid: 40 joins"))
    assert [s["chat_id"] for s in api.calls_to("sendMessage")] == [1, 2, 2]


async def test_without_reachable_administrators_the_alert_is_posted_in_the_group(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    result = await adapter.execute(GROUP, AlertModerators(text="Raid: 20 joins in 10s"))

    (sent,) = api.delivered("sendMessage")
    assert sent["chat_id"] == GROUP_ID
    assert {e["user"]["id"] for e in sent["entities"]} == {OWNER["id"], MOD["id"]}
    assert "posted in the group" in result.detail


async def test_a_configured_moderators_chat_receives_alerts(
    api: BotApiDouble, events: list
) -> None:
    tg = TelegramAdapter("1:x", request=api, rate_limit=False, moderator_chat_id=-1009)
    await tg.start(events.append, [])  # type: ignore[arg-type]
    await tg.execute(GROUP, AlertModerators(text="Raid"))
    await tg.stop()

    assert [s["chat_id"] for s in api.calls_to("sendMessage")] == [-1009]


async def test_roles_are_not_something_telegram_has(adapter: TelegramAdapter) -> None:
    assert "add_role" not in adapter.capabilities
    assert "role" in adapter.why_unsupported("add_role").lower()
    with pytest.raises(PlatformError):
        await adapter.execute(GROUP, AddRole(user_id="11", role="verified"))
