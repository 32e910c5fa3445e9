"""Every command qunbot has today (each capability's `CommandSpec`s plus the core's) is a valid
Discord slash command, and invoking it — as a slash command, and for commands used on a message
also from the message menu or with a message link — reaches the engine as the right
`CommandInvoked`. New commands are picked up automatically."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

import rules
from bot.commands import CommandSpec, OptionSpec
from bot.config import DiscordConfig
from bot.engine import Engine
from bot.events import CommandInvoked
from bot.runtime import CORE_COMMANDS
from tests.discord.harness import DiscordHarness, close_harness, make_harness


def all_specs() -> list[CommandSpec]:
    """The commands the runtime hands the adapters (`Runtime.commands`), in the same order."""
    return list(Engine(rules.discover(), CORE_COMMANDS).commands.values())


SPECS = all_specs()
ON_MESSAGE = [s for s in SPECS if s.on_message]
NAME = "^[-_\\w]{1,32}$"


def _ids(specs: list[CommandSpec]) -> list[str]:
    return [s.name for s in specs]


@pytest.fixture
async def h() -> AsyncIterator[DiscordHarness]:
    harness = await make_harness(
        commands=SPECS,
        message_menus=DiscordConfig().message_menus,
        members=("alice", "bob", "carol"),
    )
    await harness.give_role("carol", "Moderator")
    try:
        yield harness
    finally:
        await close_harness(harness)


def sample(h: DiscordHarness, option: OptionSpec) -> tuple[Any, Any]:
    """(what the member picks in Discord's form, what the engine must receive in `args`)."""
    if option.type == "user":
        bob = h.member("bob")
        return bob, str(bob.id)
    if option.type == "integer":
        return 3, 3
    if option.type == "duration":
        return "10m", "10m"
    if option.type == "choice":
        return option.choices[-1], option.choices[-1]
    return "posted the same link 5 times", "posted the same link 5 times"


def last_command(h: DiscordHarness) -> CommandInvoked:
    commands = [e for e in h.events if isinstance(e, CommandInvoked)]
    assert commands, "the invocation reached no engine"
    return commands[-1]


def test_the_command_list_is_not_empty_and_names_are_unique():
    assert len(SPECS) >= 20
    assert len({s.name for s in SPECS}) == len(SPECS)
    assert {"warn", "timeout", "spam", "checkin", "explain", "playbook"} <= set(_ids(SPECS))


async def test_every_command_is_registered_as_a_valid_slash_command(h: DiscordHarness):
    import re

    registered = {
        c.name for c in h.adapter.tree.get_commands(type=discord.AppCommandType.chat_input)
    }
    assert registered == {s.name for s in SPECS}
    assert len(registered) <= 100  # Discord's per-scope limit
    moderator = discord.Permissions(manage_messages=True).value
    admin = discord.Permissions(administrator=True).value
    for spec in SPECS:
        payload = h.adapter.tree.get_command(spec.name).to_dict(h.adapter.tree)
        assert re.match(NAME, payload["name"]) and payload["name"] == payload["name"].lower()
        assert 1 <= len(payload["description"]) <= 100
        options = payload.get("options", [])
        assert len(options) <= 25
        required = [bool(o.get("required")) for o in options]
        # Discord rejects the whole sync when a required option follows an optional one
        assert required == sorted(required, reverse=True), spec.name
        for option in options:
            assert re.match(NAME, option["name"]) and 1 <= len(option["description"]) <= 100
        expected = {"member": None, "moderator": moderator, "admin": admin}[spec.permission]
        assert payload["default_member_permissions"] == expected, spec.name
        assert payload["contexts"] == [0], spec.name  # servers only


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
async def test_each_command_with_every_option_reaches_the_engine(h: DiscordHarness, spec):
    given, expected = {}, {}
    for option in spec.options:
        given[option.name], expected[option.name] = sample(h, option)

    interaction = await h.invoke(spec.name, "carol", **given)

    event = last_command(h)
    assert event.command == spec.name
    assert dict(event.args) == expected
    assert event.actor.user_id == str(h.member("carol").id) and event.actor.is_moderator
    assert event.message_id == str(interaction.id)
    assert interaction.answers, "Discord must get an answer to every interaction"


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
async def test_each_command_with_only_its_required_options_reaches_the_engine(
    h: DiscordHarness, spec
):
    given, expected = {}, {}
    for option in spec.options:
        if option.required:
            given[option.name], expected[option.name] = sample(h, option)

    await h.invoke(spec.name, "bob", **given)

    event = last_command(h)
    assert (event.command, dict(event.args)) == (spec.name, expected)
    assert event.target_message_id is None


def test_more_commands_work_on_a_message_than_discord_has_menus_for():
    # if this changes, revisit `DiscordConfig.message_menus` and docs/discord.md
    assert len(ON_MESSAGE) > 5


async def test_the_configured_commands_get_the_five_message_menus(h: DiscordHarness):
    menus = [
        c.extras["qunbot_spec"].name
        for c in h.adapter.tree.get_commands(type=discord.AppCommandType.message)
    ]
    wanted = [n for n in DiscordConfig().message_menus if n in _ids(ON_MESSAGE)]
    assert menus == wanted[:5]
    assert "report" in menus and "spam" in menus  # the member's and the spam fighter's


@pytest.mark.parametrize("spec", ON_MESSAGE, ids=_ids(ON_MESSAGE))
async def test_each_on_message_command_takes_a_message_link(h: DiscordHarness, spec):
    message = await h.say("alice", "JOIN my crypto group t.me/scam")
    link = f"https://discord.com/channels/{h.guild.id}/{message.channel.id}/{message.id}"

    await h.invoke(spec.name, "carol", message=link)

    event = last_command(h)
    alice = str(h.member("alice").id)
    assert event.command == spec.name
    assert (event.target_message_id, event.target_user_id) == (str(message.id), alice)
    assert event.target_message_text == "JOIN my crypto group t.me/scam"
    user_options = [o.name for o in spec.options if o.type == "user"]
    assert dict(event.args) == ({user_options[0]: alice} if user_options else {})


@pytest.mark.parametrize("spec", ON_MESSAGE, ids=_ids(ON_MESSAGE))
async def test_each_message_menu_names_the_message_and_its_author(h: DiscordHarness, spec):
    menu = next(
        (
            c
            for c in h.adapter.tree.get_commands(type=discord.AppCommandType.message)
            if c.extras["qunbot_spec"].name == spec.name
        ),
        None,
    )
    if menu is None:
        pytest.skip(f"/{spec.name} has no message menu (Discord allows 5); its link form is tested")
    message = await h.say("alice", "cheap followers here")

    await h.use_menu(menu.name, "carol", message)

    event = last_command(h)
    assert event.command == spec.name
    assert event.target_message_id == str(message.id)
    assert event.target_user_id == str(h.member("alice").id)
    assert event.target_message_text == "cheap followers here"
