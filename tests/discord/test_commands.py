"""Slash commands, message menus and buttons: what a member invokes reaches the engine as a
`CommandInvoked`/`ButtonPressed`, and the engine's `Reply` answers the interaction as asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext.test import backend

from bot.actions import Reply
from bot.commands import CommandSpec, OptionSpec
from bot.events import ButtonPressed, CommandInvoked, Event
from tests.discord.harness import DiscordHarness, close_harness, make_harness

USER = OptionSpec("user", "user", "The member")
REASON = OptionSpec("reason", "text", "Why", required=False)
SPECS = [
    CommandSpec("warn", "Warn a member", options=(USER, REASON), permission="moderator"),
    CommandSpec(
        "mute",
        "Time a member out",
        options=(USER, OptionSpec("duration", "duration", "How long, e.g. 10m"), REASON),
        permission="moderator",
    ),
    CommandSpec("rank", "Your level and points"),
    CommandSpec(
        "leaderboard",
        "Top members",
        options=(OptionSpec("period", "choice", "Which period", False, ("week", "month", "all")),),
    ),
    CommandSpec(
        "points",
        "Give or take points",
        options=(USER, OptionSpec("amount", "integer", "How many")),
        permission="admin",
    ),
    CommandSpec(
        "spam",
        "Mark a message as spam",
        options=(OptionSpec("user", "user", "Who sent it", required=False),),
        permission="moderator",
        on_message=True,
    ),
]


@pytest.fixture
async def h() -> AsyncIterator[DiscordHarness]:
    harness = await make_harness(commands=SPECS)
    await harness.give_role("carol", "Moderator")
    try:
        yield harness
    finally:
        await close_harness(harness)


def _payload(h: DiscordHarness, name: str) -> dict:
    command = h.adapter.tree.get_command(name)
    assert command is not None, f"/{name} not registered"
    return command.to_dict(h.adapter.tree)


# ---- registration -----------------------------------------------------------------------------


async def test_every_spec_is_a_guild_only_slash_command(h: DiscordHarness):
    registered = {c.name for c in h.adapter.tree.get_commands()}

    assert {"warn", "mute", "rank", "leaderboard", "points", "spam"} <= registered
    assert h.adapter.registered_commands[:6] == [f"/{s.name}" for s in SPECS]
    for spec in SPECS:
        payload = _payload(h, spec.name)
        assert payload["description"] == spec.description
        assert payload["contexts"] == [0]  # guild only
        assert payload["dm_permission"] is False


async def test_options_have_discord_types(h: DiscordHarness):
    mute = {o["name"]: o for o in _payload(h, "mute")["options"]}
    assert mute["user"]["type"] == discord.AppCommandOptionType.user.value
    assert mute["duration"]["type"] == discord.AppCommandOptionType.string.value
    assert mute["user"]["required"] and mute["duration"]["required"]
    assert not mute["reason"].get("required", False)

    (amount,) = [o for o in _payload(h, "points")["options"] if o["name"] == "amount"]
    assert amount["type"] == discord.AppCommandOptionType.integer.value

    (period,) = _payload(h, "leaderboard")["options"]
    assert [c["value"] for c in period["choices"]] == ["week", "month", "all"]


async def test_default_permissions_follow_the_spec(h: DiscordHarness):
    manage_messages = discord.Permissions(manage_messages=True).value
    administrator = discord.Permissions(administrator=True).value

    assert _payload(h, "warn")["default_member_permissions"] == manage_messages
    assert _payload(h, "points")["default_member_permissions"] == administrator
    assert _payload(h, "rank")["default_member_permissions"] is None


async def test_on_message_specs_get_a_message_menu_and_a_message_option(h: DiscordHarness):
    menu = h.adapter.tree.get_command("Spam", type=discord.AppCommandType.message)
    assert isinstance(menu, discord.app_commands.ContextMenu)
    payload = menu.to_dict(h.adapter.tree)
    assert payload["default_member_permissions"] == discord.Permissions(manage_messages=True).value
    assert payload["contexts"] == [0]
    options = {o["name"] for o in _payload(h, "spam")["options"]}
    assert options == {"user", "message"}


# ---- invocation -------------------------------------------------------------------------------


async def test_mute_reaches_the_engine_with_user_id_and_duration_text(h: DiscordHarness):
    alice = h.member("alice")
    interaction = await h.invoke("mute", "carol", user=alice, duration="10m")

    (event,) = h.events
    assert isinstance(event, CommandInvoked)
    assert event.command == "mute"
    assert dict(event.args) == {"user": str(alice.id), "duration": "10m"}
    assert event.actor.user_id == str(h.member("carol").id)
    assert event.actor.is_moderator
    assert event.community_id == h.community_id
    assert event.channel_id == str(h.channel("general").id)
    assert event.message_id == str(interaction.id)
    assert event.occurred_at.tzinfo is not None


async def test_integer_and_choice_options_keep_their_types(h: DiscordHarness):
    await h.invoke("points", "carol", user=h.member("bob"), amount=25)
    await h.invoke("leaderboard", "bob", period="month")

    points, board = h.events
    assert points.args["amount"] == 25
    assert board.args == {"period": "month"}


async def _answer_with(
    h: DiscordHarness, *, ephemeral: bool, delay: float = 0.0, text: str = "Alice has 12 points"
) -> None:
    async def responder(event: Event) -> None:
        if isinstance(event, CommandInvoked | ButtonPressed):
            await asyncio.sleep(delay)
            await h.adapter.execute(
                event.community_id,
                Reply(
                    channel_id=event.channel_id,
                    text=text,
                    reply_to=event.message_id,
                    user_id=event.user_id,
                    ephemeral=ephemeral,
                ),
            )

    h.responder = responder


async def test_an_immediate_private_reply_answers_the_command_ephemerally(h: DiscordHarness):
    await _answer_with(h, ephemeral=True)
    interaction = await h.invoke("rank", "bob")

    (answer,) = interaction.answers
    assert (answer.how, answer.text, answer.ephemeral) == (
        "send_message",
        "Alice has 12 points",
        True,
    )
    assert h.sent == []  # nothing was posted in the channel


async def test_an_immediate_public_reply_is_visible_to_everyone(h: DiscordHarness):
    await _answer_with(h, ephemeral=False)
    interaction = await h.invoke("rank", "bob")

    (answer,) = interaction.answers
    assert answer.how == "send_message" and answer.ephemeral is False


async def test_a_slow_engine_gets_a_deferral_then_the_answer(h: DiscordHarness):
    await _answer_with(h, ephemeral=True, delay=0.15, text="warned alice (case #3)")
    interaction = await h.invoke("warn", "carol", user=h.member("alice"))

    assert [(a.how, a.ephemeral) for a in interaction.answers] == [
        ("defer", True),  # moderator command: the "thinking…" placeholder is private
        ("edit_original", None),
    ]
    assert interaction.texts == ["warned alice (case #3)"]


async def test_a_slow_public_answer_never_inherits_a_private_placeholder(h: DiscordHarness):
    await _answer_with(h, ephemeral=False, delay=0.15, text="alice was warned")
    interaction = await h.invoke("warn", "carol", user=h.member("alice"))

    assert [a.how for a in interaction.answers] == ["defer", "delete_original", "followup"]
    assert interaction.answers[-1].ephemeral is False


async def test_a_slow_private_answer_to_a_member_command_is_still_private(h: DiscordHarness):
    await _answer_with(h, ephemeral=True, delay=0.15)
    interaction = await h.invoke("rank", "bob")

    defer, delete, followup = interaction.answers
    assert (defer.how, defer.ephemeral) == ("defer", False)
    assert delete.how == "delete_original"
    assert (followup.how, followup.ephemeral, followup.text) == (
        "followup",
        True,
        "Alice has 12 points",
    )


async def test_a_command_nobody_answers_is_closed_politely(h: DiscordHarness):
    interaction = await h.invoke("rank", "bob")

    (answer,) = interaction.answers
    assert (answer.how, answer.text, answer.ephemeral) == ("send_message", "Done.", True)


async def test_the_closing_text_can_be_chinese():
    from adapters.discord import DiscordTexts

    harness = await make_harness(commands=SPECS, texts=DiscordTexts(command_done="已完成。"))
    try:
        interaction = await harness.invoke("rank", "bob")
        assert interaction.texts == ["已完成。"]
    finally:
        await close_harness(harness)


async def test_the_message_menu_names_the_message_and_its_author(h: DiscordHarness):
    spam = await h.say("alice", "FREE NITRO http://scam.example")
    h.events.clear()

    await h.use_menu("Spam", "carol", spam)

    (event,) = h.events
    assert event.command == "spam"
    assert event.target_message_id == str(spam.id)
    assert event.target_user_id == str(h.member("alice").id)
    assert event.target_message_text == "FREE NITRO http://scam.example"
    assert event.args == {"user": str(h.member("alice").id)}


async def test_the_slash_version_takes_a_message_link(h: DiscordHarness):
    spam = await h.say("alice", "cheap followers here")
    h.events.clear()
    link = f"https://discord.com/channels/{h.guild.id}/{spam.channel.id}/{spam.id}"

    await h.invoke("spam", "carol", message=link)

    (event,) = h.events
    assert event.target_message_id == str(spam.id)
    assert event.target_user_id == str(h.member("alice").id)
    assert event.target_message_text == "cheap followers here"
    assert "message" not in event.args


async def test_a_private_answer_to_a_button_press_goes_to_the_presser(h: DiscordHarness):
    from bot.actions import Button, Post

    await h.adapter.execute(
        h.community_id,
        Post(channel_id="general", text="Verify", buttons=(Button("I'm human", "captcha:ok"),)),
    )
    await _answer_with(h, ephemeral=True, text="Verified, welcome!")

    press = await h.press("bob", h.sent[-1], "captcha:ok")

    assert [(a.how, a.text, a.ephemeral) for a in press.answers] == [
        ("send_message", "Verified, welcome!", True)
    ]


# ---- syncing ----------------------------------------------------------------------------------


async def test_commands_are_synced_to_each_guild_once():
    harness = await make_harness(commands=SPECS, sync_commands="guild")
    try:
        assert await harness.adapter.sync_guild(harness.guild) is True
        assert await harness.adapter.sync_guild(harness.guild) is False  # already done

        (call,) = harness.calls_to("sync_guild_commands")
        assert call.args == (harness.guild.id,)
        names = {c["name"] for c in call.kwargs["payload"]}
        assert {"warn", "mute", "rank", "leaderboard", "points", "spam", "Spam"} <= names
    finally:
        await close_harness(harness)


async def test_joining_a_new_guild_syncs_its_commands():
    harness = await make_harness(commands=SPECS, sync_commands="guild")
    try:
        other = backend.make_guild("Second community")
        from discord.ext.test import runner

        await runner.run_all_events()

        assert [c.args for c in harness.calls_to("sync_guild_commands")] == [(other.id,)]
    finally:
        await close_harness(harness)


async def test_sync_can_be_switched_off():
    harness = await make_harness(commands=SPECS, sync_commands="off")
    try:
        assert await harness.adapter.sync_guild(harness.guild) is False
        assert harness.calls_to("sync_guild_commands") == []
    finally:
        await close_harness(harness)


async def test_a_reply_without_reply_to_still_answers_the_askers_command(h: DiscordHarness):
    async def responder(event: Event) -> None:
        if isinstance(event, CommandInvoked):
            await h.adapter.execute(
                event.community_id,
                Reply(
                    channel_id=event.channel_id,
                    text="streak: 4 days",
                    user_id=event.user_id,
                    ephemeral=True,
                ),
            )

    h.responder = responder
    interaction = await h.invoke("rank", "bob")

    assert [(a.how, a.text, a.ephemeral) for a in interaction.answers] == [
        ("send_message", "streak: 4 days", True)
    ]
    assert h.sent == []


async def test_config_true_false_mean_per_guild_sync_or_none():
    on = await make_harness(commands=SPECS, sync_commands=True)
    try:
        assert await on.adapter.sync_guild(on.guild) is True
    finally:
        await close_harness(on)
    off = await make_harness(commands=SPECS, sync_commands=False)
    try:
        assert await off.adapter.sync_guild(off.guild) is False
    finally:
        await close_harness(off)
