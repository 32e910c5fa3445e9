"""Replay benchmark: the real chat corpus through the whole pipeline on SQLite, beside a null
pipeline (translate + dispatch, no rules, no store) on the same input.

    .venv/bin/python benchmarks/replay.py [--limit N] [--playbook P] [--without SECTION ...]

`--without antispam --without moderation` switches those playbook sections off, to show what
they cost.

Each mode runs in its own process so peak memory (ru_maxrss) is its own. Prints a table and
writes nothing but a temporary database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _translate(m: Any, seen: set[str], n: int) -> list[Any]:
    """Corpus row → events, as an adapter would: a join at a sender's first message."""
    from bot.events import Actor, MemberJoined, MessagePosted

    actor = Actor(user_id=m.sender, name=m.sender[:8])
    events: list[Any] = []
    if m.sender not in seen:
        seen.add(m.sender)
        events.append(
            MemberJoined(platform="replay", community_id="bench", occurred_at=m.at, member=actor)
        )
    events.append(
        MessagePosted(
            platform="replay",
            community_id="bench",
            occurred_at=m.at,
            channel_id="general",
            message_id=f"m{n}",
            author=actor,
            text=m.text,
        )
    )
    return events


async def run_full(messages: list[Any], playbook: Path) -> tuple[list[float], int, float]:
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from bot.simulation import Simulation

    with tempfile.TemporaryDirectory() as tmp:
        adapter = RecordingAdapter()
        runtime = await build_runtime(
            db_url=f"sqlite:///{tmp}/bench.db", playbook=playbook, adapters={"replay": adapter}
        )
        sim = Simulation(runtime, messages[0].at)
        seen: set[str] = set()
        latencies: list[float] = []
        start = time.perf_counter()
        for n, m in enumerate(messages):
            for event in _translate(m, seen, n):
                t = time.perf_counter()
                await sim.feed(event)
                latencies.append(time.perf_counter() - t)
        await runtime.store.close()  # includes the final flush
        elapsed = time.perf_counter() - start
    return latencies, len(adapter.performed), elapsed


async def run_null(messages: list[Any]) -> tuple[list[float], int, float]:
    from bot.engine import Engine

    engine = Engine([])
    seen: set[str] = set()
    latencies: list[float] = []
    start = time.perf_counter()
    for n, m in enumerate(messages):
        t = time.perf_counter()
        for event in _translate(m, seen, n):
            await engine.evaluate(event, None)  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - t)
    return latencies, 0, time.perf_counter() - start


def measure(mode: str, limit: int | None, playbook: Path) -> dict[str, Any]:
    from bot.corpus import load_chat

    messages, dropped = load_chat()
    if limit:
        messages = messages[:limit]
    if mode == "full":
        latencies, actions, elapsed = asyncio.run(run_full(messages, playbook))
    else:
        latencies, actions, elapsed = asyncio.run(run_null(messages))
    latencies.sort()
    return {
        "mode": mode,
        "messages": len(messages),
        "events": len(latencies) if mode == "full" else len(messages),
        "dropped_bulk": dropped,
        "seconds": round(elapsed, 2),
        "msgs_per_s": round(len(messages) / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "actions": actions,
    }


def without_sections(playbook: Path, sections: list[str], folder: Path) -> Path:
    """A copy of the playbook (beside it, so relative paths still work) with sections off."""
    import yaml

    data = yaml.safe_load(playbook.read_text(encoding="utf-8"))
    for section in sections:
        if section not in data:
            raise SystemExit(f"--without {section}: the playbook has no such section")
        data[section]["enabled"] = False
    copy = folder / f".bench-{playbook.stem}.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N messages only")
    parser.add_argument("--playbook", type=Path, default=ROOT / "playbooks/default.yaml")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="SECTION",
        help="switch a playbook section off (repeatable)",
    )
    parser.add_argument("--mode", choices=["full", "null"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, args.limit, args.playbook)))
        return
    playbook = args.playbook
    if args.without:
        playbook = without_sections(args.playbook, args.without, args.playbook.parent)
        print(f"playbook without {', '.join(args.without)}", file=sys.stderr)
    rows = []
    for mode in ("null", "full"):
        cmd = [sys.executable, __file__, "--mode", mode, "--playbook", str(playbook)]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        print(f"running {mode} pipeline…", file=sys.stderr, flush=True)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    if playbook != args.playbook:
        playbook.unlink()
    print(
        f"{'pipeline':<8} {'messages':>9} {'msgs/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'peak MB':>8} {'actions':>8}"
    )
    for r in rows:
        print(
            f"{r['mode']:<8} {r['messages']:>9} {r['msgs_per_s']:>9} {r['p50_ms']:>8} "
            f"{r['p99_ms']:>8} {r['peak_rss_mb']:>8} {r['actions']:>8}"
        )
    print(f"(bulk-import minutes dropped: {rows[0]['dropped_bulk']} messages)")


if __name__ == "__main__":
    main()
