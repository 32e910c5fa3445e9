"""Parse `/command@bot args` text into a `CommandSpec` and its named arguments. No I/O."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.commands import CommandSpec, OptionSpec
from bot.configmodel import parse_duration

# Telegram bot command names: 1-32 characters, lowercase latin letters, digits and underscores
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_COMMAND_HEAD = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,64}))?(?=\s|$)")
_NUMERIC_ID = re.compile(r"^-?\d{1,20}$")


def valid_command_name(name: str) -> bool:
    return bool(_COMMAND_NAME.match(name))


# t.me/<bot>?start=<payload>: 1-64 of A-Z a-z 0-9 _ -
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PAYLOAD_COMMUNITY = re.compile(r"^-?\d{1,20}$")


def start_payload(community_id: str, custom_id: str) -> str | None:
    """The deep-link payload that brings `custom_id` back as a button press in the community
    (base64url of "community|custom_id"); None when it would not fit Telegram's 64 characters."""
    raw = f"{community_id}|{custom_id}".encode()
    payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return payload if _START_PAYLOAD.match(payload) else None


def parse_start_payload(payload: str) -> tuple[str, str] | None:
    """(community id, button id) from a `/start <payload>`; None for anything else (a payload
    someone typed, another bot's links)."""
    if not _START_PAYLOAD.match(payload):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    community_id, sep, custom_id = raw.partition("|")
    if not sep or not _PAYLOAD_COMMUNITY.match(community_id):
        return None
    return community_id, custom_id


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int  # index into the argument text, so a last text option can take the rest as typed
    user_id: int | None = None  # set for a text mention (a member without a @username)


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    spec: CommandSpec
    args: Mapping[str, Any]
    # options that were given but could not be understood, e.g. an unknown @username
    problems: tuple[str, ...] = field(default=())


def split_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """('name', 'argument text') when `text` is a command meant for this bot, else None."""
    match = _COMMAND_HEAD.match(text)
    if not match:
        return None
    name, addressed_to = match.group(1).lower(), match.group(2)
    if addressed_to and addressed_to.lower() != bot_username.lower():
        return None  # `/ban@OtherBot` in a group with several bots
    return name, text[match.end() :]


def tokenize(args_text: str, text_mentions: list[tuple[int, int, int]]) -> list[Token]:
    """Split on whitespace, keeping each text mention (start, end, user_id) as one token."""
    tokens: list[Token] = []
    i = 0
    mentions = sorted(text_mentions)
    while i < len(args_text):
        if args_text[i].isspace():
            i += 1
            continue
        mention = next((m for m in mentions if m[0] == i), None)
        if mention is not None:
            start, end, user_id = mention
            tokens.append(Token(args_text[start:end], start, user_id))
            i = end
            continue
        start = i
        while i < len(args_text) and not args_text[i].isspace():
            i += 1
        tokens.append(Token(args_text[start:i], start))
    return tokens


def parse_args(
    spec: CommandSpec,
    args_text: str,
    tokens: list[Token],
    *,
    resolve_username: Callable[[str], int | None],
    reply_author: int | None,
) -> ParsedCommand:
    """Fill the spec's options in order, the way a moderator types them.

    A `user` option takes a text mention, `@username` (if the bot has seen that member) or a
    numeric id; when the command is a reply and the next word is not a user, the replied-to
    author fills it without consuming a word, so `/warn spamming` as a reply works like
    `/warn @bob spamming`. The last `text` option takes the rest of the line as typed; a `text`
    option with options after it takes every word except the trailing ones that fit those
    options, so `/ban @bob posting scam links 1d` gives reason "posting scam links" and
    delete_messages "1d". An optional integer, choice or duration whose word does not fit is
    left out when a text option follows, so `/timeout @bob flooding` is a reason, not a bad
    duration.
    """
    args: dict[str, Any] = {}
    problems: list[str] = []
    queue = list(tokens)
    options = spec.options
    for index, option in enumerate(options):
        later = options[index + 1 :]
        if option.type == "user":
            user_id = _user_from(queue[0], resolve_username) if queue else None
            if user_id is not None:
                args[option.name] = str(user_id)
                queue.pop(0)
            elif reply_author is not None:
                args[option.name] = str(reply_author)
            elif queue:
                problems.append(f"{option.name}: unknown member {queue.pop(0).text!r}")
            continue
        if not queue:
            continue
        if option.type == "text":
            taken = len(queue) - _fitting_tail(later, queue, resolve_username, option.required)
            if taken == 0:
                continue
            if not later:  # the rest of the line, spacing as typed
                args[option.name] = args_text[queue[0].start :].strip()
            else:
                last = queue[taken - 1]
                args[option.name] = args_text[queue[0].start : last.start + len(last.text)]
            del queue[:taken]
            continue
        fits = _fits(option, queue[0], resolve_username)
        if not fits and not option.required and any(o.type == "text" for o in later):
            continue  # the word belongs to the text that follows
        value, problem = _convert(option, queue.pop(0).text)
        if problem:
            problems.append(f"{option.name}: {problem}")
        else:
            args[option.name] = value
    return ParsedCommand(spec, args, tuple(problems))


def _fitting_tail(
    later: tuple[OptionSpec, ...],
    queue: list[Token],
    resolve_username: Callable[[str], int | None],
    text_required: bool,
) -> int:
    """How many of the last words in `queue` fit the options after a text option, in order.
    A required text option keeps at least one word."""
    most = min(len(later), len(queue) - (1 if text_required else 0))
    for n in range(most, 0, -1):
        tail = queue[len(queue) - n :]
        if all(_fits(opt, tok, resolve_username) for opt, tok in zip(later, tail, strict=True)):
            return n
    return 0


def _fits(option: OptionSpec, token: Token, resolve_username: Callable[[str], int | None]) -> bool:
    if option.type == "user":
        return _user_from(token, resolve_username) is not None
    if option.type == "text":
        return False  # a word could always be text: never take it from the text before
    if option.type == "duration":
        try:
            parse_duration(token.text)
        except ValueError:
            return False
        return True
    return _convert(option, token.text)[1] is None


def _user_from(token: Token, resolve_username: Callable[[str], int | None]) -> int | None:
    if token.user_id is not None:
        return token.user_id
    if token.text.startswith("@") and len(token.text) > 1:
        return resolve_username(token.text[1:])
    if _NUMERIC_ID.match(token.text):
        return int(token.text)
    return None


def _convert(option: OptionSpec, text: str) -> tuple[Any, str | None]:
    if option.type == "integer":
        try:
            return int(text), None
        except ValueError:
            return None, f"expected a whole number, got {text!r}"
    if option.type == "choice" and option.choices:
        for choice in option.choices:
            if choice.casefold() == text.casefold():
                return choice, None
        return None, f"expected one of {', '.join(option.choices)}, got {text!r}"
    return text, None  # text and duration: as typed (rules parse durations)
