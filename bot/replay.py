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

PLATFORM = "replay"
MAX_TEXT = 100_000  # longer texts are cut: judged, never crashed on


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
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # naive times are read as UTC


def _text(value: Any, field: str = "text") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReplayLineError(f'"{field}" must be a string')
    # drop NULs and cap the size: binary-laden input is judged, not crashed on
    return value.replace("\x00", "")[:MAX_TEXT]


def parse_event(raw: dict[str, Any], line_no: int = 0, default_community: str = "replay") -> Event:
    if not isinstance(raw, dict):
        raise ReplayLineError("each line must be a JSON object")
    kind = raw.get("type")
    base = {
        "platform": PLATFORM,
        "community_id": str(raw.get("community") or default_community),
        "occurred_at": _time(raw.get("at")),
    }
    user = raw.get("user")
    if kind not in ("message", "edit", "delete", "join", "leave", "reaction", "command", "button"):
        raise ReplayLineError(
            f'unknown "type" {kind!r}: use message, edit, delete, join, leave, reaction, '
            "command or button"
        )
    if kind != "delete" and not (isinstance(user, str) and user):
        raise ReplayLineError(f'a "{kind}" needs "user" (the member\'s name or id)')
    roles = raw.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ReplayLineError('"roles" must be a list of role names')
    actor = Actor(
        user_id=str(user or ""),
        name=str(user or ""),
        roles=tuple(roles),
        is_bot=bool(raw.get("bot", False)),
    )
    channel = str(raw.get("channel") or "general")
    message_id = str(raw.get("message_id") or f"line-{line_no}")
    if kind in ("message", "edit"):
        cls = MessagePosted if kind == "message" else MessageEdited
        mentions = raw.get("mentions") or []
        return cls(
            **base,
            channel_id=channel,
            message_id=message_id,
            author=actor,
            text=_text(raw.get("text")),
            reply_to=raw.get("reply_to"),
            mentions=tuple(str(m) for m in mentions),
            attachments=int(raw.get("attachments") or 0),
            is_forward=bool(raw.get("forward", False)),
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
            message_author_id=raw.get("target_user"),
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
        target_message_id=raw.get("target_message_id"),
        target_message_text=raw.get("target_text"),
        target_user_id=raw.get("target_user"),
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
            yield number, ReplayProblem(number, str(exc))


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
