"""Every command qunbot has today (each capability's `CommandSpec`s plus the core's) is in
Telegram's command menu, and typing it — `/cmd args`, with the member as @username or numeric id,
and for commands used on a message as a reply to that message — reaches the engine as the right
`CommandInvoked`. New commands are picked up automatically."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import rules
from adapters.telegram import TelegramAdapter
from bot.commands import CommandSpec, OptionSpec
from bot.engine import Engine
from bot.events import CommandInvoked
from bot.runtime import CORE_COMMANDS
from tests.telegram.botapi_double import TOKEN, BotApiDouble, UpdateBuilder
from tests.telegram.conftest import ALICE, BOB, MOD, NOW, Collected

SPECS: list[CommandSpec] = list(Engine(rules.discover(), CORE_COMMANDS).commands.values())
ON_MESSAGE = [s for s in SPECS if s.on_message]
REASON = "posted the same link 5 times"


def _ids(specs: list[CommandSpec]) -> list[str]:
    return [s.name for s in specs]


@pytest.fixture
async def tg(api: BotApiDouble, events: Collected) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    await adapter.start(events, SPECS)
    yield adapter
    await adapter.stop()


def typed(option: OptionSpec, *, last: bool, user_as: str) -> tuple[str, object]:
    """(what the moderator types for `option`, what the engine must receive in `args`)."""
    if option.type == "user":
        return user_as, str(BOB["id"])
    if option.type == "integer":
        return "3", 3
    if option.type == "duration":
        return "10m", "10m"
    if option.type == "choice":
        return option.choices[-1].upper(), option.choices[-1]  # case does not matter
    if last:  # the last text option takes the rest of the line
        return REASON, REASON
    return "faq-weekly", "faq-weekly"


def command_line(spec: CommandSpec, *, required_only: bool, user_as: str) -> tuple[str, dict]:
    options = [o for o in spec.options if o.required or not required_only]
    words, expected = [f"/{spec.name}"], {}
    for i, option in enumerate(options):
        word, value = typed(option, last=i == len(options) - 1, user_as=user_as)
        words.append(word)
        expected[option.name] = value
    return " ".join(words), expected


def last_command(events: Collected) -> CommandInvoked:
    commands = [e for e in events if isinstance(e, CommandInvoked)]
    assert commands, "the command reached no engine"
    return commands[-1]


async def test_every_command_is_in_the_telegram_command_menu(tg, api: BotApiDouble):
    menus = {call["scope"]["type"]: call for call in api.calls_to("setMyCommands")}
    registered = menus["all_chat_administrators"]  # administrators see every command
    assert [c["command"] for c in registered["commands"]] == _ids(SPECS)
    assert all(1 <= len(c["description"]) <= 256 for c in registered["commands"])
    assert len(registered["commands"]) <= 100  # Bot API limit


@pytest.mark.parametrize("user_as", ["@bob", str(BOB["id"])], ids=["username", "numeric-id"])
@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
async def test_each_command_with_every_option_reaches_the_engine(
    tg, updates: UpdateBuilder, events: Collected, spec, user_as
):
    await tg.feed(updates.message(BOB, "hi all"))  # the bot learns @bob
    text, expected = command_line(spec, required_only=False, user_as=user_as)

    await tg.feed(updates.message(MOD, text))

    event = last_command(events)
    assert event.command == spec.name
    assert dict(event.args) == expected, text
    assert event.actor.user_id == str(MOD["id"]) and event.actor.is_moderator


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
async def test_each_command_with_only_its_required_options_reaches_the_engine(
    tg, updates: UpdateBuilder, events: Collected, spec
):
    await tg.feed(updates.message(BOB, "hi all"))
    text, expected = command_line(spec, required_only=True, user_as="@bob")

    await tg.feed(updates.message(ALICE, text))

    event = last_command(events)
    assert (event.command, dict(event.args)) == (spec.name, expected)
    assert event.actor.user_id == str(ALICE["id"]) and not event.actor.is_moderator


@pytest.mark.parametrize("spec", SPECS, ids=_ids(SPECS))
async def test_each_command_addressed_to_the_bot_by_name_reaches_the_engine(
    tg, updates: UpdateBuilder, events: Collected, spec
):
    text, expected = command_line(spec, required_only=True, user_as=str(BOB["id"]))
    head, _, rest = text.partition(" ")

    await tg.feed(updates.message(MOD, f"{head}@{tg.application.bot.username} {rest}".strip()))

    assert (last_command(events).command, dict(last_command(events).args)) == (spec.name, expected)


@pytest.mark.parametrize("spec", ON_MESSAGE, ids=_ids(ON_MESSAGE))
async def test_each_on_message_command_works_as_a_reply(
    tg, updates: UpdateBuilder, events: Collected, spec
):
    offending = updates.message(ALICE, "JOIN my crypto group t.me/scam")
    await tg.feed(offending)

    await tg.feed(updates.message(MOD, f"/{spec.name}", reply_to=offending["message"]))

    event = last_command(events)
    alice = str(ALICE["id"])
    assert event.command == spec.name
    assert event.target_message_id == str(offending["message"]["message_id"])
    assert event.target_user_id == alice
    assert event.target_message_text == "JOIN my crypto group t.me/scam"
    user_options = [o.name for o in spec.options if o.type == "user"]
    assert dict(event.args) == ({user_options[0]: alice} if user_options else {})


@pytest.mark.parametrize("spec", ON_MESSAGE, ids=_ids(ON_MESSAGE))
async def test_a_reply_with_more_words_still_targets_the_replied_member(
    tg, updates: UpdateBuilder, events: Collected, spec
):
    offending = updates.message(ALICE, "buy followers")
    await tg.feed(offending)
    rest = [o for o in spec.options if o.type != "user"]
    line, expected = command_line(
        CommandSpec(spec.name, spec.description, tuple(rest)), required_only=False, user_as=""
    )

    await tg.feed(updates.message(MOD, line, reply_to=offending["message"]))

    event = last_command(events)
    user_options = [o.name for o in spec.options if o.type == "user"]
    if user_options:
        expected[user_options[0]] = str(ALICE["id"])
    assert dict(event.args) == expected, line


BOB_ID = str(BOB["id"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/warn @bob spamming links again", {"user": BOB_ID, "reason": "spamming links again"}),
        ("/warn @bob spamming links 2", {"user": BOB_ID, "reason": "spamming links", "weight": 2}),
        (
            "/ban @bob posting scam links 1d",
            {"user": BOB_ID, "reason": "posting scam links", "delete_messages": "1d"},
        ),
        ("/ban @bob posting scam links", {"user": BOB_ID, "reason": "posting scam links"}),
        ("/timeout @bob flooding the chat", {"user": BOB_ID, "reason": "flooding the chat"}),
        ("/timeout @bob 2h flooding", {"user": BOB_ID, "duration": "2h", "reason": "flooding"}),
        ("/calendar 10", {"count": 10}),
        ("/calendar preview friday-vote", {"action": "preview", "entry": "friday-vote"}),
        ("/case 12 reverse", {"number": 12, "action": "reverse"}),
        (
            "/points give @bob 10 a great answer",
            {"action": "give", "user": BOB_ID, "amount": 10, "reason": "a great answer"},
        ),
        (
            "/automod explain buy  followers now",
            {"action": "explain", "text": "buy  followers now"},
        ),
    ],
)
async def test_commands_typed_the_way_moderators_type_them(
    tg, updates: UpdateBuilder, events: Collected, line: str, expected: dict
):
    """Several words of reason are one reason, and a trailing option is still recognised."""
    await tg.feed(updates.message(BOB, "hi all"))

    await tg.feed(updates.message(MOD, line))

    assert dict(last_command(events).args) == expected
