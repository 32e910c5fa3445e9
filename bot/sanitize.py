"""The one cleaner every event passes at the adapter boundary (Discord, Telegram, the console,
replay), so the engine, the rules and the store only ever see bounded, encodable values.

- Lone surrogates (which no database can encode) become U+FFFD; NUL and other control
  characters (PostgreSQL refuses NUL in text) are dropped, keeping tab and newlines in texts.
- Ids fit their columns (64 characters): a longer id keeps its start and gets a hash of the
  whole, so two different long ids stay different and the same id always maps the same way.
- Names lose bidi controls (an RTL override in a name would flip the bot's reply around it);
  message texts keep zero-width and bidi characters, which anti-spam reads as disguise.
- Texts, argument values, mention and attachment counts are capped (docs/limits.md).
Numbers in command arguments are range-checked by the engine, with an answer to the member
(`bot.commands.argument_problem`)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from bot.events import Actor, DirectChat, Event

MAX_ID = 64  # members.user_id, communities.external_id: String(64)
MAX_NAME = 200  # members.name: String(200)
MAX_TEXT = 4_096  # what Telegram allows (Discord: 4,000); a longer replay text is cut
MAX_SHORT = 100  # emoji, button ids, command and job names
MAX_ARG_TEXT = 2_000  # one command argument (a reason, a text to explain)
MAX_ARGS = 20
MAX_MENTIONS = 100
MAX_ATTACHMENTS = 100
MAX_ROLES = 250  # Discord's own limit per server

# NUL and C0/C1 controls except tab, newline and carriage return; lone surrogates
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # ids and names: one line
_SURROGATE = re.compile("[\ud800-\udfff]")
# embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI), LRM RLM ALM
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

E = TypeVar("E", bound=Event)


def _scrub(value: str, bad: re.Pattern[str]) -> str:
    if not bad.search(value):
        return value
    value = _SURROGATE.sub("\ufffd", value)
    return bad.sub("", value)


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """A message text: encodable, without NUL or control characters, at most `limit` long."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    if len(text) > limit:
        text = text[:limit]
    return _scrub(text, _BAD_TEXT)


def clean_id(value: Any) -> str:
    """An id that fits its column (64 characters), on one line. An id that had to change (too
    long, or with characters no database takes) keeps its start and gets a hash of the whole
    after `~`: two different ids never become one, and the same id always maps the same way."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_ID and not _BAD_LINE.search(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{_scrub(text[: MAX_ID - 17], _BAD_LINE)}~{digest}"


def _optional_id(value: Any) -> str | None:
    return None if value is None else clean_id(value)


def clean_name(value: Any, limit: int = MAX_NAME) -> str:
    """A display name: one line, no bidi controls, at most `limit` long."""
    text = clean_text(value, 4 * limit)
    text = _BIDI.sub("", _scrub(text, _BAD_LINE))
    return text[:limit].strip()


def clean_actor(actor: Actor) -> Actor:
    user_id = clean_id(actor.user_id)
    name = clean_name(actor.name)
    roles = tuple(clean_name(r, MAX_SHORT) for r in actor.roles[:MAX_ROLES])
    if user_id == actor.user_id and name == actor.name and roles == actor.roles:
        return actor
    return dataclasses.replace(actor, user_id=user_id, name=name, roles=roles)


def clean_arg(value: Any) -> Any:
    """A command argument: whole numbers and booleans as they are (the engine checks ranges),
    texts cleaned and capped, anything else (lists, floats, objects) as bounded text."""
    if isinstance(value, bool | int):
        return value
    if value is None:
        return None
    return clean_text(value, MAX_ARG_TEXT)


def clean_args(args: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in list(args.items())[:MAX_ARGS]:
        out[clean_name(key, MAX_SHORT)] = clean_arg(value)
    return out


def _mentions(value: Any) -> tuple[str, ...]:
    return tuple(clean_id(m) for m in tuple(value)[:MAX_MENTIONS])


def _attachments(value: Any) -> int:
    return max(0, min(int(value), MAX_ATTACHMENTS))


def _short(value: Any) -> str:
    return clean_name(value, MAX_SHORT)


def _emoji(value: Any) -> str:
    return clean_text(value, MAX_SHORT)


def _cleaner(cls: type, name: str) -> Any:
    """Which cleaner a field of an event takes, by its name (ids, texts, people, ...)."""
    if name in ("author", "member", "actor") or (name == "user" and cls is not DirectChat):
        return clean_actor
    if name in ("community_id", "channel_id", "message_id", "user"):
        return clean_id
    if name in (
        "reply_to", "forwarded_from", "sender_chat", "author_id", "target_message_id",
        "target_user_id", "message_author_id",
    ):  # fmt: skip
        return _optional_id
    if name in ("text", "target_message_text", "why"):
        return clean_text
    return {
        "command": _short, "job": _short, "platform": _short, "custom_id": _short,
        "emoji": _emoji, "mentions": _mentions, "attachments": _attachments, "args": clean_args,
    }.get(name)  # fmt: skip


_PLANS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, Any], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        pairs = ((f.name, _cleaner(cls, f.name)) for f in dataclasses.fields(cls))
        plan = _PLANS[cls] = tuple((name, c) for name, c in pairs if c is not None)
    return plan


def clean_event(event: E) -> E:
    """The event with every field bounded and encodable (the same object when nothing needed
    changing, which is the common case)."""
    changes: dict[str, Any] = {}
    for name, cleaner in _plan(type(event)):
        value = getattr(event, name)
        if value is None:
            continue
        new = cleaner(value)
        if new is not value and new != value:
            changes[name] = new
    return dataclasses.replace(event, **changes) if changes else event
