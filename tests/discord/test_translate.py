"""What members do on Discord arrives at the engine as the right normalized event."""

from __future__ import annotations

from datetime import timedelta

import discord
import discord.ext.test as dpytest
from discord.ext.test import factories

from bot.events import (
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from tests.discord.harness import DiscordHarness


async def test_a_message_becomes_message_posted_with_ids_as_text(discord_harness: DiscordHarness):
    h = discord_harness
    message = await h.say("alice", "hello everyone")

    (event,) = h.events
    assert isinstance(event, MessagePosted)
    assert event.platform == "discord"
    assert event.community_id == str(h.guild.id)
    assert event.channel_id == str(h.channel("general").id)
    assert event.message_id == str(message.id)
    assert event.author.user_id == str(h.member("alice").id)
    assert event.text == "hello everyone"
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert abs(event.occurred_at - discord.utils.utcnow()) < timedelta(minutes=1)


async def test_author_roles_and_standing_come_from_the_guild(discord_harness: DiscordHarness):
    h = discord_harness
    await h.give_role("alice", "Moderator")
    await h.give_role("bob", "Admin")
    await h.say("alice", "I moderate")
    await h.say("bob", "I administer")
    await h.say("carol", "I just chat")

    mod, admin, member = (e.author for e in h.events)
    assert mod.roles == ("Moderator",) and mod.is_moderator and not mod.is_admin
    assert admin.roles == ("Admin",) and admin.is_admin and admin.is_moderator
    assert member.roles == () and not member.is_moderator and not member.is_admin
    assert not member.is_bot
    assert member.name == h.member("carol").display_name


async def test_mentions_and_attachments_are_counted(discord_harness: DiscordHarness, tmp_path):
    h = discord_harness
    bob, carol = h.member("bob"), h.member("carol")
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"png")

    await h.say("alice", f"hi {bob.mention} and {carol.mention}", attachments=[str(picture)])

    event = h.events[-1]
    assert set(event.mentions) == {str(bob.id), str(carol.id)}
    assert event.attachments == 1


async def test_the_bots_own_messages_are_not_events(discord_harness: DiscordHarness):
    h = discord_harness
    await h.channel("general").send("I am the bot")
    await h.say("alice", "I am alice")

    assert [e.text for e in h.events] == ["I am alice"]


def _raw_message(h: DiscordHarness, author: discord.Member, **extra: object) -> dict:
    data = factories.make_message_dict(
        h.channel("general"),
        author,
        content=extra.pop("content", ""),
        guild_id=h.guild.id,
    )
    data["member"] = factories.dict_from_member(author)
    data.update(extra)
    return data


async def test_a_reply_names_the_message_it_answers(discord_harness: DiscordHarness):
    h = discord_harness
    original = await h.say("bob", "question?")
    channel = h.channel("general")
    data = _raw_message(
        h,
        h.member("alice"),
        content="answer",
        type=19,
        message_reference={
            "type": 0,
            "message_id": str(original.id),
            "channel_id": str(channel.id),
            "guild_id": str(h.guild.id),
        },
    )
    await h.receive_message(data)

    event = h.events[-1]
    assert event.text == "answer"
    assert event.reply_to == str(original.id)
    assert event.is_forward is False


async def test_a_forward_is_marked_and_carries_the_forwarded_text(discord_harness: DiscordHarness):
    h = discord_harness
    data = _raw_message(
        h,
        h.member("alice"),
        content="",
        message_reference={
            "type": 1,
            "message_id": "1234567890123456789",
            "channel_id": "1234567890123456788",
        },
        message_snapshots=[
            {
                "message": {
                    "content": "free nitro at example.com",
                    "attachments": [],
                    "embeds": [],
                    "timestamp": discord.utils.utcnow().isoformat(),
                    "edited_timestamp": None,
                    "flags": 0,
                    "mentions": [],
                    "mention_roles": [],
                    "type": 0,
                }
            }
        ],
    )
    await h.receive_message(data)

    event = h.events[-1]
    assert event.is_forward is True
    assert event.reply_to is None
    assert event.text == "free nitro at example.com"


async def test_an_edit_becomes_message_edited_with_the_new_text(discord_harness: DiscordHarness):
    h = discord_harness
    message = await h.say("alice", "helo")
    await h.edit(message, "hello, buy crypto now")

    edited = h.events[-1]
    assert isinstance(edited, MessageEdited)
    assert edited.message_id == str(message.id)
    assert edited.text == "hello, buy crypto now"
    assert edited.author.user_id == str(h.member("alice").id)
    assert edited.occurred_at.tzinfo is not None


async def test_a_link_preview_update_is_not_an_edit(discord_harness: DiscordHarness):
    h = discord_harness
    message = await h.say("alice", "look https://example.com")
    await h.unfurl(message)

    assert [e.kind for e in h.events] == ["message"]


async def test_a_deleted_message_names_its_author_when_known(discord_harness: DiscordHarness):
    h = discord_harness
    message = await h.say("alice", "oops")
    await h.delete(message)

    deleted = h.events[-1]
    assert isinstance(deleted, MessageDeleted)
    assert deleted.message_id == str(message.id)
    assert deleted.channel_id == str(h.channel("general").id)
    assert deleted.author_id == str(h.member("alice").id)


async def test_join_and_leave_become_member_events(discord_harness: DiscordHarness):
    h = discord_harness
    newcomer = await h.join("dave")
    await h.leave(newcomer)

    joined, left = h.events
    assert isinstance(joined, MemberJoined) and isinstance(left, MemberLeft)
    assert joined.member.user_id == left.member.user_id == str(newcomer.id)
    assert joined.member.name == newcomer.display_name
    assert joined.community_id == left.community_id == str(h.guild.id)


async def test_a_reaction_names_the_emoji_the_reactor_and_the_message(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    message = await h.say("alice", "check in here")
    await h.react("bob", message, "✅")

    reaction = h.events[-1]
    assert isinstance(reaction, ReactionAdded)
    assert reaction.emoji == "✅"
    assert reaction.user.user_id == str(h.member("bob").id)
    assert reaction.message_id == str(message.id)
    assert reaction.channel_id == str(h.channel("general").id)


async def test_a_custom_emoji_is_named_as_a_playbook_would_write_it(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    message = await h.say("alice", "vote")
    await h.react("bob", message, "123456789012345678:pepe_yes")

    assert h.events[-1].emoji == "pepe_yes"


async def test_direct_messages_to_the_bot_are_not_community_events(
    discord_harness: DiscordHarness,
):
    h = discord_harness
    dm = await h.member("alice").create_dm()
    await dpytest.message("hi bot, can you help?", channel=dm, member=h.member("alice"))

    assert h.events == []
