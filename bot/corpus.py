"""The real chat corpus shipped by PyPI `chitchat-dataset` (MIT), as one time-ordered stream.

Its 7,168 conversations (258,145 messages, 1,315 senders, Apr–Nov 2018) are mostly between two
people; merged by timestamp they read like one busy group. One minute holds a bulk import of
2,602 messages — minutes far above any real chat rate are dropped (and counted)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class ChatMessage:
    at: datetime
    sender: str
    text: str


def load_chat(max_per_minute: int = 500) -> tuple[list[ChatMessage], int]:
    """All messages sorted by time, and how many were dropped as bulk imports."""
    try:
        raw = (files("chitchat_dataset") / "dataset.json").read_text(encoding="utf-8")
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "the chat corpus needs the PyPI package chitchat-dataset: pip install "
            "chitchat-dataset (it is part of the dev extra: pip install -e '.[dev]')"
        ) from exc
    messages = []
    for conversation in json.loads(raw).values():
        for turn in conversation["messages"]:
            for m in turn:
                at = datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00"))
                messages.append(ChatMessage(at, m["sender"], m["text"]))
    messages.sort(key=lambda m: m.at)
    per_minute = Counter(m.at.replace(second=0, microsecond=0) for m in messages)
    bulk = {minute for minute, n in per_minute.items() if n > max_per_minute}
    kept = [m for m in messages if m.at.replace(second=0, microsecond=0) not in bulk]
    return kept, len(messages) - len(kept)
