"""Every action the engine sends has the effect a member or moderator would see on Discord."""

from __future__ import annotations

from datetime import datetime, timedelta

import discord
import pytest

from bot.actions import (
    AddRole,
    AlertModerators,
    Ban,
    Button,
    DeleteMessage,
    Kick,
    Post,
    RemoveRole,
    RemoveTimeout,
    Reply,
    SendDirect,
    Timeout,
    Unban,
    Warn,
)
from bot.adapter import PlatformError
from bot.events import ButtonPressed, MemberLeft, MessageDeleted
from tests.discord.harness import DiscordHarness, close_harness, http_error, make_harness

# ---- posting ----------------------------------------------------------------------------------


async def test_post_by_channel_name_appears_in_that_channel(discord_harness: DiscordHarness):
    h = discord_harness
    result = await h.adapter.execute(
        h.community_id, Post(channel_id="general", text="Good morning")
    )

    (message,) = h.sent
    assert message.content == "Good morning"
    assert message.channel == h.channel("general")
    assert result.ref == str(message.id)
    assert "general" in result.detail


async def test_post_by_id_or_hash_name_reaches_the_same_channel(discord_harness: DiscordHarness):
    h = discord_harness
    mod_log = h.channel("mod-log")
    await h.adapter.execute(h.community_id, Post(channel_id=str(mod_log.id), text="by id"))
    await h.adapter.execute(h.community_id, Post(channel_id="#Mod-Log", text="by name"))

    assert [(m.channel, m.content) for m in h.sent] == [(mod_log, "by id"), (mod_log, "by name")]


async def test_post_to_an_unknown_channel_names_it(discord_harness: DiscordHarness):
    h = discord_harness
    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute(h.community_id, Post(channel_id="announcements", text="x"))

    assert caught.value.kind == PlatformError.NOT_FOUND
    assert "announcements" in str(caught.value)
    assert h.sent == []


async def test_post_pings_its_mentions_but_never_everyone(discord_harness: DiscordHarness):
    h = discord_harness
    bob = h.member("bob")
    await h.adapter.execute(
        h.community_id, Post(channel_id="general", text="welcome!", mentions=(str(bob.id),))
    )

    assert h.sent[-1].content == f"{bob.mention} welcome!"
    allowed = h.payloads[-1]["allowed_mentions"]
    assert "everyone" not in allowed["parse"] and "roles" not in allowed["parse"]
    assert "users" in allowed["parse"]


async def test_post_with_buttons_sends_them_and_a_press_comes_back(discord_harness: DiscordHarness):
    h = discord_harness
    buttons = (Button("I agree", "rules:agree"), Button("Help", "rules:help"))
    await h.adapter.execute(
        h.community_id, Post(channel_id="general", text="Read the rules", buttons=buttons)
    )

    rows = h.payloads[-1]["components"]
    sent = [(c["label"], c["custom_id"]) for row in rows for c in row["components"]]
    assert sent == [("I agree", "rules:agree"), ("Help", "rules:help")]

    press = await h.press("carol", h.sent[-1], "rules:agree")

    event = h.events[-1]
    assert isinstance(event, ButtonPressed)
    assert event.custom_id == "rules:agree"
    assert event.user_id == str(h.member("carol").id)
    assert event.message_id == str(h.sent[-1].id)
    # nobody answered: the press is acknowledged silently so Discord shows no error
    assert [a.how for a in press.answers] == ["defer"]


async def test_post_with_an_image_attaches_the_file(
    discord_harness: DiscordHarness, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # dpytest stores sent files in the working directory
    h = discord_harness
    chart = tmp_path / "weekly.png"
    chart.write_bytes(b"\x89PNG fake")

    await h.adapter.execute(
        h.community_id, Post(channel_id="general", text="This week", image=str(chart))
    )

    assert [a.filename for a in h.sent[-1].attachments] == ["weekly.png"]


async def test_post_with_a_missing_image_says_which_file(discord_harness: DiscordHarness):
    h = discord_harness
    with pytest.raises(PlatformError, match="nowhere.png") as caught:
        await h.adapter.execute(
            h.community_id, Post(channel_id="general", text="x", image="/nowhere.png")
        )
    assert caught.value.kind == PlatformError.NOT_FOUND


async def test_post_with_options_is_a_native_poll(discord_harness: DiscordHarness):
    h = discord_harness
    await h.adapter.execute(
        h.community_id,
        Post(channel_id="general", text="Next meetup?", poll_options=("Friday", "Saturday")),
    )

    poll = h.payloads[-1]["poll"]
    assert poll["question"]["text"] == "Next meetup?"
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["Friday", "Saturday"]


async def test_a_poll_with_its_own_question_keeps_the_text_as_the_message(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    await h.adapter.execute(
        h.community_id,
        Post(
            channel_id="general",
            text="本周话题投票",
            poll_question="下周聊什么？",
            poll_options=("AI", "旅行", "美食"),
        ),
    )

    assert h.sent[-1].content == "本周话题投票"
    poll = h.payloads[-1]["poll"]
    assert poll["question"]["text"] == "下周聊什么？"
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["AI", "旅行", "美食"]


async def test_an_impossible_poll_is_posted_as_text_and_says_why(discord_harness: DiscordHarness):
    h = discord_harness
    result = await h.adapter.execute(
        h.community_id, Post(channel_id="general", text="Only one?", poll_options=("yes",))
    )

    assert h.sent[-1].content == "Only one?"
    assert "poll" not in h.payloads[-1]
    assert "poll skipped" in result.detail


# ---- replies and direct messages --------------------------------------------------------------


async def test_reply_references_the_message_it_answers(discord_harness: DiscordHarness):
    h = discord_harness
    question = await h.say("alice", "how do I check in?")
    channel = str(h.channel("general").id)

    await h.adapter.execute(
        h.community_id, Reply(channel_id=channel, text="Use /checkin", reply_to=str(question.id))
    )

    assert h.sent[-1].content == "Use /checkin"
    assert h.payloads[-1]["message_reference"]["message_id"] == question.id


async def test_a_private_reply_outside_an_interaction_goes_by_dm(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    result = await h.adapter.execute(
        h.community_id,
        Reply(channel_id="general", text="your points: 12", user_id=str(alice.id), ephemeral=True),
    )

    message = h.sent[-1]
    assert message.content == "your points: 12"
    assert isinstance(message.channel, discord.DMChannel)
    assert h.calls_to("start_private_message")[-1].args[0].id == alice.id
    assert "DM" in result.detail


async def test_send_direct_reaches_the_member(discord_harness: DiscordHarness):
    h = discord_harness
    bob = h.member("bob")
    result = await h.adapter.execute(
        h.community_id, SendDirect(user_id=str(bob.id), text="Welcome! Step 1: read #rules")
    )

    message = h.sent[-1]
    assert isinstance(message.channel, discord.DMChannel)
    assert h.calls_to("start_private_message")[-1].args[0].id == bob.id
    assert message.content == "Welcome! Step 1: read #rules"
    assert result.ref == str(message.id)


async def test_a_closed_dm_is_unreachable_not_a_missing_permission(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    bob = h.member("bob")
    h.fail("send_message", discord.Forbidden(**http_error(403, 50007, "Cannot send messages")))

    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute(h.community_id, SendDirect(user_id=str(bob.id), text="hi"))

    assert caught.value.kind == PlatformError.UNREACHABLE  # the executor uses the DM fallback
    assert not caught.value.retryable
    assert "closed direct messages" in str(caught.value)


# ---- deleting and warning ---------------------------------------------------------------------


async def test_delete_message_removes_it(discord_harness: DiscordHarness):
    h = discord_harness
    spam = await h.say("alice", "BUY CHEAP FOLLOWERS")
    keep = await h.say("bob", "normal chat")

    await h.act(DeleteMessage(channel_id=str(spam.channel.id), message_id=str(spam.id)))

    assert [m["id"] for m in h.messages_in("general")] == [keep.id]
    deleted = h.events[-1]
    assert isinstance(deleted, MessageDeleted) and deleted.message_id == str(spam.id)


async def test_deleting_a_vanished_message_is_not_found(discord_harness: DiscordHarness):
    h = discord_harness
    h.fail("delete_message", discord.NotFound(**http_error(404, 10008, "Unknown Message")))

    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute(
            h.community_id, DeleteMessage(channel_id="general", message_id="123456789012345678")
        )

    assert caught.value.kind == PlatformError.NOT_FOUND
    assert "unknown message" in str(caught.value)


async def test_warn_in_a_channel_mentions_the_member(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    await h.adapter.execute(
        h.community_id, Warn(user_id=str(alice.id), reason="no links", channel_id="general")
    )

    message = h.sent[-1]
    assert message.channel == h.channel("general")
    assert alice.mention in message.content
    assert "no links" in message.content


async def test_warn_with_its_own_text_and_no_channel_is_a_dm(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    await h.adapter.execute(
        h.community_id, Warn(user_id=str(alice.id), reason="flood", text="请不要刷屏 (warning 1/3)")
    )

    message = h.sent[-1]
    assert isinstance(message.channel, discord.DMChannel)
    assert h.calls_to("start_private_message")[-1].args[0].id == alice.id
    assert message.content == "请不要刷屏 (warning 1/3)"


# ---- timeouts, kicks, bans --------------------------------------------------------------------


def _timeout_sent(h: DiscordHarness) -> str | None:
    (call,) = h.calls_to("edit_member")
    fields = call.args[0]
    return fields["communication_disabled_until"]


async def test_timeout_uses_discords_native_timeout(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    until = discord.utils.utcnow() + timedelta(minutes=10)

    result = await h.adapter.execute(
        h.community_id, Timeout(user_id=str(alice.id), until=until, reason="flood")
    )

    assert datetime.fromisoformat(_timeout_sent(h)) == until
    assert h.calls_to("edit_member")[0].kwargs["reason"] == "flood"
    assert "clamped" not in result.detail


async def test_a_timeout_past_28_days_is_clamped_and_says_so(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    now = discord.utils.utcnow()

    result = await h.adapter.execute(
        h.community_id, Timeout(user_id=str(alice.id), until=now + timedelta(days=60))
    )

    sent = datetime.fromisoformat(_timeout_sent(h))
    assert now + timedelta(days=27) < sent <= now + timedelta(days=28)
    assert "28-day" in result.detail


async def test_remove_timeout_clears_it(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    await h.adapter.execute(h.community_id, RemoveTimeout(user_id=str(alice.id)))

    assert _timeout_sent(h) is None


async def test_a_timeout_the_bot_may_not_give_says_which_permission(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    alice = h.member("alice")
    h.fail("edit_member", discord.Forbidden(**http_error(403, 50013, "Missing Permissions")))

    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute(
            h.community_id,
            Timeout(user_id=str(alice.id), until=discord.utils.utcnow() + timedelta(hours=1)),
        )

    assert caught.value.kind == PlatformError.FORBIDDEN
    assert "Timeout Members" in str(caught.value)


async def test_kick_removes_the_member(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    await h.act(Kick(user_id=str(alice.id), reason="spam bot"))

    assert h.guild.get_member(alice.id) is None
    assert h.calls_to("kick")[0].kwargs["reason"] == "spam bot"
    assert isinstance(h.events[-1], MemberLeft)


async def test_kicking_someone_who_left_is_not_found(discord_harness: DiscordHarness):
    h = discord_harness
    # dpytest cannot answer a lookup of an unknown member; Discord says 404 Unknown Member
    h.fail("get_member", discord.NotFound(**http_error(404, 10007, "Unknown Member")))
    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute(h.community_id, Kick(user_id="123456789012345678"))
    assert caught.value.kind == PlatformError.NOT_FOUND


async def test_ban_removes_the_member_and_clamps_message_deletion(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")

    result = await h.adapter.execute(
        h.community_id,
        Ban(user_id=str(alice.id), reason="raid", delete_message_seconds=30 * 86400),
    )

    assert h.guild.get_member(alice.id) is None
    (call,) = h.calls_to("ban")
    assert call.args[2] == 7 * 86400  # what discord.py sent as delete_message_seconds
    assert "7-day" in result.detail


async def test_a_timed_ban_says_the_unban_must_be_scheduled(discord_harness: DiscordHarness):
    h = discord_harness
    alice = h.member("alice")
    until = discord.utils.utcnow() + timedelta(days=3)

    result = await h.adapter.execute(h.community_id, Ban(user_id=str(alice.id), until=until))

    assert "scheduled" in result.detail


async def test_unban_calls_discord_with_the_user(discord_harness: DiscordHarness):
    h = discord_harness
    await h.adapter.execute(
        h.community_id, Unban(user_id="123456789012345678", reason="appeal accepted")
    )

    (call,) = h.calls_to("unban")
    assert call.args == (123456789012345678, h.guild.id)
    assert call.kwargs["reason"] == "appeal accepted"


# ---- roles ------------------------------------------------------------------------------------


async def test_roles_are_given_and_taken_by_name(discord_harness: DiscordHarness):
    h = discord_harness
    bob = h.member("bob")

    await h.adapter.execute(h.community_id, AddRole(user_id=str(bob.id), role="verified"))
    assert [r.name for r in h.member("bob").roles] == ["@everyone", "Verified"]

    await h.adapter.execute(h.community_id, RemoveRole(user_id=str(bob.id), role="Verified"))
    assert [r.name for r in h.member("bob").roles] == ["@everyone"]


async def test_an_unknown_role_names_it(discord_harness: DiscordHarness):
    h = discord_harness
    bob = h.member("bob")
    with pytest.raises(PlatformError, match="Champion") as caught:
        await h.adapter.execute(h.community_id, AddRole(user_id=str(bob.id), role="Champion"))
    assert caught.value.kind == PlatformError.NOT_FOUND


# ---- alerts -----------------------------------------------------------------------------------


async def test_alerts_go_to_the_mod_log_without_pinging_the_member(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    alice = h.member("alice")
    await h.adapter.execute(
        h.community_id,
        AlertModerators(text="possible raid: 12 joins in 10s", user_id=str(alice.id)),
    )

    message = h.sent[-1]
    assert message.channel == h.channel("mod-log")
    assert "possible raid" in message.content and alice.mention in message.content
    assert h.payloads[-1]["allowed_mentions"]["parse"] == []


async def test_alerts_without_a_moderators_channel_say_what_to_create():
    h = await make_harness(channels=["general"])
    try:
        with pytest.raises(PlatformError, match="mod-log") as caught:
            await h.adapter.execute(h.community_id, AlertModerators(text="help"))
        assert caught.value.kind == PlatformError.NOT_FOUND
        assert h.sent == []
    finally:
        await close_harness(h)


async def test_a_configured_alert_channel_wins():
    h = await make_harness(
        channels=["general", "mod-log", "staff-room"], alert_channel="staff-room"
    )
    try:
        await h.adapter.execute(h.community_id, AlertModerators(text="check this"))
        assert h.sent[-1].channel == h.channel("staff-room")
    finally:
        await close_harness(h)


# ---- errors -----------------------------------------------------------------------------------


async def test_rate_limits_and_outages_are_retryable(discord_harness: DiscordHarness):
    h = discord_harness
    post = Post(channel_id="general", text="x")

    h.fail(
        "send_message",
        discord.HTTPException(**http_error(429, 0, "slow down", **{"Retry-After": "2.5"})),
    )
    with pytest.raises(PlatformError) as limited:
        await h.adapter.execute(h.community_id, post)
    assert limited.value.kind == PlatformError.RATE_LIMITED
    assert limited.value.retry_after == 2.5

    h.fail("send_message", discord.DiscordServerError(**http_error(503, 0, "unavailable")))
    with pytest.raises(PlatformError) as down:
        await h.adapter.execute(h.community_id, post)
    assert down.value.kind == PlatformError.UNAVAILABLE and down.value.retryable


async def test_a_server_the_bot_is_not_in_is_not_found(discord_harness: DiscordHarness):
    h = discord_harness
    with pytest.raises(PlatformError) as caught:
        await h.adapter.execute("123456789012345678", Post(channel_id="general", text="x"))
    assert caught.value.kind == PlatformError.NOT_FOUND


async def test_ids_in_texts_become_mentions_of_the_member_and_the_channel(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    bob, general = h.member("bob"), h.channel("general")
    text = f"Cases of {bob.id}: spam in #{general.id}; 12345678901234567 is nobody"

    await h.adapter.execute(h.community_id, Post(channel_id="general", text=text))

    assert h.sent[-1].content == (
        f"Cases of <@{bob.id}>: spam in <#{general.id}>; 12345678901234567 is nobody"
    )
