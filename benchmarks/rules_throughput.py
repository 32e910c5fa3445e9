"""Throughput of the full rule set through the real pipeline (no network).

The PyPI ``chitchat-dataset`` corpus (258,145 real chat messages, merged by timestamp into one
stream) is fed as `MessagePosted` events through `bot.simulation.Simulation` →
engine → executor → `adapters.recording.RecordingAdapter`, with SQLite as the store and
`playbooks/default.yaml` as the playbook — once as shipped, once with the `antispam:` and
`moderation:` sections switched off, so the cost of the rules themselves is visible.

Run: ``.venv/bin/python -m benchmarks.rules_throughput [--messages 20000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from adapters.recording import RecordingAdapter
from bot.app import build_runtime
from bot.events import Actor, MessagePosted
from bot.simulation import Simulation

DEFAULT_PLAYBOOK = Path(__file__).resolve().parents[1] / "playbooks" / "default.yaml"


def load_stream(limit: int) -> list[tuple[datetime, str, str]]:
    data = json.loads((files("chitchat_dataset") / "dataset.json").read_text(encoding="utf-8"))
    rows = [
        (message["timestamp"], message["sender"], message["text"])
        for conversation in data.values()
        for turn in conversation["messages"]
        for message in turn
    ]
    rows.sort(key=lambda r: r[0])
    stream = []
    for stamp, sender, text in rows[:limit]:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if at.tzinfo is None:
            from datetime import UTC

            at = at.replace(tzinfo=UTC)
        stream.append((at, sender, text))
    return stream


def _without(playbook: str, sections: Sequence[str]) -> str:
    for section in sections:
        playbook = re.sub(
            rf"(?m)^{section}:\n  enabled: true", f"{section}:\n  enabled: false", playbook
        )
    return playbook


async def measure(stream: list[tuple[datetime, str, str]], playbook_text: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        playbook = Path(tmp) / "playbook.yaml"
        playbook.write_text(playbook_text, encoding="utf-8")
        adapter = RecordingAdapter(platform="bench")
        runtime = await build_runtime(
            db_url=f"sqlite:///{tmp}/bench.db", playbook=playbook, adapters={"bench": adapter}
        )
        sim = Simulation(runtime, stream[0][0])
        started = time.perf_counter()
        for i, (at, sender, text) in enumerate(stream):
            await sim.feed(MessagePosted(
                platform="bench", community_id="chitchat", occurred_at=max(at, sim.now),
                channel_id="general", message_id=f"m{i}", author=Actor(sender, sender),
                text=text))  # fmt: skip
        await runtime.store.flush()
        seconds = time.perf_counter() - started
        await runtime.store.close()
    acted: dict[str, int] = {}
    for _, action in adapter.performed:
        acted[action.kind] = acted.get(action.kind, 0) + 1
    return {
        "messages": len(stream),
        "seconds": round(seconds, 2),
        "messages_per_second": round(len(stream) / seconds),
        "actions": acted,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--playbook", type=Path, default=DEFAULT_PLAYBOOK)
    args = parser.parse_args(argv)
    stream = load_stream(args.messages)
    text = args.playbook.read_text(encoding="utf-8")
    full = asyncio.run(measure(stream, text))
    bare = asyncio.run(measure(stream, _without(text, ("antispam", "moderation"))))
    print(json.dumps({"full_rule_set": full, "without_antispam_and_moderation": bare}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
