"""Replay: feed a JSONL file of events through the real pipeline on a simulated clock.

Input, one JSON object per line:
  {"at": ISO-8601, "type": "message"|"edit"|"delete"|"join"|"leave"|"reaction"|"command"|"button",
   "user": str, "channel": str, "text": str, "message_id": str, "command": str, "args": {...},
   "roles": [str], "emoji": str, "target_message_id": str, "target_user": str, "custom_id": str,
   "community": str, "invite": str (join: the invite link as /invite printed it, or its code)}
Output, one JSON object per action: {"at", "action", "user", "channel", "rule", "reason", "text",
"status"}.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.actions import shown_text
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from bot.executor import ActionOutcome
from bot.sanitize import clean_event

PLATFORM = "replay"
# times a replay accepts: later ones would overflow durations added to them (a timeout's end)
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


class ReplayLineError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ReplayProblem:
    line: int
    message: str


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ReplayLineError('"at" must be an ISO-8601 time such as "2026-03-02T09:00:00Z"')
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ReplayLineError(f'"at" is not an ISO-8601 time: {value!r}') from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # naive times are read as UTC
    if not EARLIEST <= when < LATEST:
        raise ReplayLineError(f'"at" must be between the years 2000 and 2199, not {value!r}')
    return when


def _text(value: Any, field: str = "text") -> str:
    """Texts are cleaned and capped by bot.sanitize (with the rest of the event)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReplayLineError(f'"{field}" must be a string')
    return value


def _flag(raw: dict[str, Any], field: str) -> bool:
    """true/false as JSON writes them; "false", "no", "0" and 0 are false, not true."""
    value = raw.get(field, False)
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _FLAGS:
        return _FLAGS[value.strip().lower()]
    raise ReplayLineError(f'"{field}" must be true or false, not {_shown(value)}')


_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}


def _count(raw: dict[str, Any], field: str, most: int) -> int:
    value = raw.get(field) or 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise ReplayLineError(
            f'"{field}" must be a whole number from 0 to {most}, not {_shown(value)}'
        )
    return value


def _id(raw: dict[str, Any], field: str) -> str | None:
    """An optional id: a string or a whole number (ids are compared as text)."""
    value = raw.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ReplayLineError(f'"{field}" must be a string id, not {_shown(value)}')
    return str(value)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if _jsonable(value) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def event_key(raw: dict[str, Any]) -> str:
    """The line's `id` when it has one, else a hash of its content: the same line replayed
    again (a rerun, a redelivery) is the same event and does nothing the second time."""
    given = raw.get("id")
    if given is not None and str(given):
        return f"id:{given}"
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return "h:" + hashlib.blake2b(canonical.encode("utf-8", "replace"), digest_size=16).hexdigest()


def parse_event(raw: dict[str, Any], line_no: int = 0, default_community: str = "replay") -> Event:
    """One replay line as an event, cleaned and bounded like every adapter's (bot.sanitize);
    ReplayLineError says what is wrong with the line."""
    return clean_event(_parse(raw, line_no, default_community))


def _parse(raw: dict[str, Any], line_no: int, default_community: str) -> Event:
    if not isinstance(raw, dict):
        raise ReplayLineError("each line must be a JSON object")
    kind = raw.get("type")
    base = {
        "platform": PLATFORM,
        "community_id": _id(raw, "community") or default_community,
        "occurred_at": _time(raw.get("at")),
        "key": event_key(raw),
    }
    if kind not in ("message", "edit", "delete", "join", "leave", "reaction", "command", "button"):
        raise ReplayLineError(
            f'unknown "type" {_shown(kind)}: use message, edit, delete, join, leave, reaction, '
            "command or button"
        )
    user = _id(raw, "user")
    if kind != "delete" and user is None:
        raise ReplayLineError(f'a "{kind}" needs "user" (the member\'s name or id)')
    roles = raw.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ReplayLineError('"roles" must be a list of role names')
    actor = Actor(
        user_id=str(user or ""),
        name=str(user or ""),
        roles=tuple(roles),
        is_bot=_flag(raw, "bot"),
    )
    channel = _id(raw, "channel") or "general"
    message_id = _id(raw, "message_id") or f"line-{line_no}"
    if kind in ("message", "edit"):
        cls = MessagePosted if kind == "message" else MessageEdited
        mentions = raw.get("mentions") or []
        if not isinstance(mentions, list) or len(mentions) > 1000:
            raise ReplayLineError('"mentions" must be a list of member ids')
        return cls(
            **base,
            channel_id=channel,
            message_id=message_id,
            author=actor,
            text=_text(raw.get("text")),
            reply_to=_id(raw, "reply_to"),
            mentions=tuple(str(m) for m in mentions),
            attachments=_count(raw, "attachments", 1000),
            is_forward=_flag(raw, "forward"),
        )
    if kind == "delete":
        return MessageDeleted(
            **base, channel_id=channel, message_id=message_id, author_id=str(user) if user else None
        )
    if kind == "join":
        invite = raw.get("invite")
        if invite is not None and not isinstance(invite, str):
            raise ReplayLineError(
                '"invite" must be the invite link (as /invite printed it) or its code'
            )
        return MemberJoined(**base, member=actor, channel_id=channel, invite=invite or None)
    if kind == "leave":
        return MemberLeft(**base, member=actor)
    if kind == "reaction":
        if not raw.get("message_id"):
            raise ReplayLineError('a "reaction" needs "message_id" (the message reacted to)')
        return ReactionAdded(
            **base,
            channel_id=channel,
            message_id=message_id,
            user=actor,
            emoji=str(raw.get("emoji") or "👍"),
            message_author_id=_id(raw, "target_user"),
        )
    if kind == "button":
        return ButtonPressed(
            **base,
            channel_id=channel,
            message_id=message_id,
            actor=actor,
            custom_id=str(raw.get("custom_id") or ""),
        )
    command = raw.get("command")
    if not (isinstance(command, str) and command):
        raise ReplayLineError('a "command" needs "command" (its name, without the slash)')
    args = raw.get("args") or {}
    if not isinstance(args, dict):
        raise ReplayLineError('"args" must be an object of option names to values')
    return CommandInvoked(
        **base,
        command=command.lstrip("/"),
        actor=actor,
        channel_id=channel,
        args=args,
        message_id=message_id,
        target_message_id=_id(raw, "target_message_id"),
        target_message_text=_text(raw.get("target_text"), "target_text") or None,
        target_user_id=_id(raw, "target_user"),
    )


def read_events(lines: Iterable[str]) -> Iterator[tuple[int, Event | ReplayProblem]]:
    """Parse lines; a broken line yields a ReplayProblem naming it and the rest go on."""
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            yield number, parse_event(json.loads(line), number)
        except json.JSONDecodeError as exc:
            yield number, ReplayProblem(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
        except (ReplayLineError, ValueError, TypeError) as exc:
            yield number, ReplayProblem(number, str(exc)[:300])
        except RecursionError:
            yield number, ReplayProblem(number, "nested too deeply to read; line skipped")


def outcome_json(outcome: ActionOutcome) -> dict[str, Any]:
    action = outcome.action
    out: dict[str, Any] = {
        "at": outcome.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "action": action.kind,
        "user": action.target_user,
        "channel": action.channel,
        "rule": outcome.rule,
        "reason": outcome.reason,
        "text": shown_text(action, outcome.ref),
        "status": outcome.status,
    }
    return {k: v for k, v in out.items() if v is not None}
