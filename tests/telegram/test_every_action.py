"""Every action kind the core defines (`bot.actions.ALL_ACTION_KINDS`) either becomes the Bot API
call a moderator would expect, or is declared unsupported with a reason the executor writes to
the audit log. A new action kind fails here until it is handled one way or the other."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.telegram import TelegramAdapter
from bot.actions import (
    ALL_ACTION_KINDS,
    Action,
    AddRole,
    AlertModerators,
    Ban,
    CreateInvite,
    DeleteMessage,
    Kick,
    Post,
    RemoveRole,
    RemoveTimeout,
    Reply,
    SendDirect,
    SendFile,
    Timeout,
    Unban,
    Warn,
)
from bot.adapter import PlatformError
from tests.telegram.botapi_double import GROUP_ID, BotApiDouble, UpdateBuilder
from tests.telegram.conftest import ALICE, NOW

GROUP = str(GROUP_ID)
USER = str(ALICE["id"])

# kind → (the action, the Bot API methods it must call, in order)
EXPECTED: dict[str, tuple[Action, list[str]]] = {
    "post": (Post(channel_id="general", text="Daily topic"), ["sendMessage"]),
    "reply": (Reply(channel_id=GROUP, text="Checked in", reply_to="100"), ["sendMessage"]),
    "send_direct": (SendDirect(user_id=USER, text="Welcome, day 1"), ["sendMessage"]),
    "send_file": (
        SendFile(user_id=USER, filename="mydata.json", data=b"{}", caption="your data"),
        ["sendDocument"],
    ),
    "delete_message": (DeleteMessage(channel_id=GROUP, message_id="100"), ["deleteMessage"]),
    "warn": (Warn(user_id=USER, text="please stop"), ["sendMessage"]),
    "timeout": (
        Timeout(user_id=USER, until=NOW + timedelta(minutes=10)),
        ["restrictChatMember"],
    ),
    "remove_timeout": (RemoveTimeout(user_id=USER), ["getChat", "restrictChatMember"]),
    "kick": (Kick(user_id=USER), ["banChatMember", "unbanChatMember"]),
    "ban": (Ban(user_id=USER), ["banChatMember"]),
    "unban": (Unban(user_id=USER), ["unbanChatMember"]),
    # a DM to each administrator (neither pressed Start: refused), then the group
    "alert_moderators": (AlertModerators(text="Raid: 20 joins in 10s"), ["sendMessage"] * 3),
    "create_invite": (
        CreateInvite(user_id=USER, name="qunbot: Alice", channel_id=GROUP, text="Link: {link}"),
        ["createChatInviteLink", "sendMessage"],
    ),
}
# kind → a word the reason must contain
UNSUPPORTED: dict[str, tuple[Action, str]] = {
    "add_role": (AddRole(user_id=USER, role="Verified"), "roles"),
    "remove_role": (RemoveRole(user_id=USER, role="Verified"), "roles"),
}


def test_every_action_kind_is_either_performed_or_declared_unsupported():
    assert set(EXPECTED) | set(UNSUPPORTED) == set(ALL_ACTION_KINDS)
    assert not set(EXPECTED) & set(UNSUPPORTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
async def test_each_supported_kind_becomes_its_bot_api_calls(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder, kind: str
):
    await adapter.feed(updates.private(ALICE))  # Alice started the bot: DMs are allowed
    await adapter.feed(updates.message(ALICE, "hello"))  # and the group's admins are known
    api.clear()
    action, methods = EXPECTED[kind]
    assert kind in adapter.capabilities

    result = await adapter.execute(GROUP, action)

    assert result.ok
    assert api.methods == methods


@pytest.mark.parametrize("kind", sorted(UNSUPPORTED))
async def test_each_unsupported_kind_says_why_and_calls_nothing(
    adapter: TelegramAdapter, api: BotApiDouble, kind: str
):
    action, word = UNSUPPORTED[kind]
    api.clear()

    assert kind not in adapter.capabilities  # so the executor skips it with the reason below
    assert word in adapter.why_unsupported(kind).lower()
    with pytest.raises(PlatformError):
        await adapter.execute(GROUP, action)
    assert api.calls == []
