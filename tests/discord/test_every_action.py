"""Every action kind the core defines (`bot.actions.ALL_ACTION_KINDS`) is something the Discord
adapter can do, and doing it reaches Discord. A new action kind fails here until it is handled
(or declared unsupported with a reason)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import discord
import pytest

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
from tests.discord.harness import DiscordHarness, http_error


def _samples(h: DiscordHarness, user: str, message: str) -> dict[str, Callable[[], Action]]:
    general = str(h.channel("general").id)
    soon = discord.utils.utcnow() + timedelta(minutes=10)
    return {
        "post": lambda: Post(channel_id="general", text="Daily topic: Python tips"),
        "reply": lambda: Reply(channel_id=general, text="Checked in", reply_to=message),
        "send_direct": lambda: SendDirect(user_id=user, text="Welcome, day 1"),
        "send_file": lambda: SendFile(user_id=user, filename="mydata.json", data=b"{}"),
        "delete_message": lambda: DeleteMessage(channel_id=general, message_id=message),
        "warn": lambda: Warn(user_id=user, channel_id=general, text="please stop"),
        "timeout": lambda: Timeout(user_id=user, until=soon, reason="flood"),
        "remove_timeout": lambda: RemoveTimeout(user_id=user),
        "kick": lambda: Kick(user_id=user, reason="spam bot"),
        "ban": lambda: Ban(user_id=user, reason="spam bot"),
        "unban": lambda: Unban(user_id=user),
        "add_role": lambda: AddRole(user_id=user, role="Verified"),
        "remove_role": lambda: RemoveRole(user_id=user, role="Verified"),
        "alert_moderators": lambda: AlertModerators(text="Raid: 20 joins in 10s", user_id=user),
        "create_invite": lambda: CreateInvite(
            user_id=user, name="qunbot: alice", channel_id=general, text="Your link: {link}"
        ),
    }


def test_every_action_kind_has_a_sample_here():
    names = {
        "post", "reply", "send_direct", "send_file", "delete_message", "warn", "timeout",
        "remove_timeout", "kick", "ban", "unban", "add_role", "remove_role", "alert_moderators",
        "create_invite",
    }  # fmt: skip
    assert names == set(ALL_ACTION_KINDS), "a new action kind needs a Discord test"


@pytest.mark.parametrize("kind", sorted(ALL_ACTION_KINDS))
async def test_every_action_kind_reaches_discord(discord_harness: DiscordHarness, kind: str):
    h = discord_harness
    alice = h.member("alice")
    if kind == "remove_role":
        await h.give_role(alice, "Verified")
    message = await h.say("alice", "a message to act on")
    action = _samples(h, str(alice.id), str(message.id))[kind]()
    assert kind in h.adapter.capabilities and h.adapter.why_unsupported(kind) == ""
    before = len(h.sent) + len(h.calls)

    result = await h.act(action)

    assert result.ok and result.detail is not None
    assert len(h.sent) + len(h.calls) > before, f"{kind} reached Discord with no call"


async def test_a_channel_deleted_after_startup_is_not_found_and_named(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    h.fail("send_message", discord.NotFound(**http_error(404, 10003, "Unknown Channel")))

    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute(h.community_id, Post(channel_id="general", text="hi"))

    assert caught.value.kind == PlatformError.NOT_FOUND and not caught.value.retryable
    assert "unknown channel" in str(caught.value)
