"""Replay benchmark: the real chat corpus through the whole pipeline, beside a null pipeline
(translate + dispatch, no rules, no store) and a rules-only pipeline on the same input.

    .venv/bin/python benchmarks/replay.py [--limit N] [--db URL] [--modes null,full,rules]
                                          [--playbook P] [--without SECTION ...]
    .venv/bin/python benchmarks/replay.py --scale 1000000 --communities 100 [--db URL]
                                          [--max-members N]

Modes:
- `null`: translate + dispatch to an engine with no rules and no store: the floor.
- `full`: every enabled rule of the playbook, the community state, the store (write-through and
  the write-behind buffer), the executor and a recording adapter, on `--db` (default: a
  temporary SQLite file; a PostgreSQL URL names the server: a fresh database is created beside
  the one named and dropped afterwards).
- `rules`: the same rules and community state, loaded once, kept current in memory; no patch
  is applied, no action executed and nothing is written to the store: what deciding costs.

`--scale N` runs a synthetic load instead of the corpus: N distinct members posting once each,
spread over `--communities` communities, through the full pipeline; it reports msgs/s, peak RSS,
the members held and evicted (under the runtime's budget, `--max-members` to change it), the
memory per member held and the CPU seconds (per message: what a loaded machine stretches less).
Its events are generated as they are fed (nothing is built up front), and its latencies are
kept as 8-byte floats, so the run's own memory stays small.

Each mode runs in its own process so peak memory (ru_maxrss) is its own. Prints a table (and
`--json` lines) and writes its temporary database and, in `full` mode, the weekly report's
charts where the playbook's `report.output_dir` says (`playbooks/reports/`, git-ignored).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODES = ("null", "full", "rules")


def _translate(
    m: Any, seen: set[str], n: int, community: str = "bench", *, keys: bool = False
) -> list[Any]:
    """Corpus row → events, as an adapter would: a join at a sender's first message. With
    `keys`, each event carries a redelivery key, as the real adapters give (the shipped path:
    the key is checked, noted, and an event that wrote or acted flushes at once)."""
    from bot.events import Actor, MemberJoined, MessagePosted

    actor = Actor(user_id=m.sender, name=m.sender[:8])
    events: list[Any] = []
    if m.sender not in seen:
        seen.add(m.sender)
        events.append(
            MemberJoined(
                platform="replay",
                community_id=community,
                occurred_at=m.at,
                member=actor,
                key=f"join:{n}" if keys else None,
            )
        )
    events.append(
        MessagePosted(
            platform="replay",
            community_id=community,
            occurred_at=m.at,
            channel_id="general",
            message_id=f"m{n}",
            author=actor,
            text=m.text,
            key=f"m{n}" if keys else None,
        )
    )
    return events


def _cpu_s() -> float:
    """CPU seconds of this process so far (user + system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    """The database a run writes: a temporary SQLite file, the SQLite file named, or a fresh
    PostgreSQL database created beside the one named (dropped afterwards)."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    if not url.startswith(("postgresql", "postgres")):
        yield url
        return
    import asyncpg

    base, _, _ = url.rpartition("/")
    admin_url = url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"qunbot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run_full(
    messages: list[Any], playbook: Path, db: str | None = None, *, keys: bool = False
) -> tuple[list[float], int, float]:
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from bot.simulation import Simulation

    async with database(db) as url:
        adapter = RecordingAdapter()
        runtime = await build_runtime(db_url=url, playbook=playbook, adapters={"replay": adapter})
        sim = Simulation(runtime, messages[0].at)
        seen: set[str] = set()
        latencies: list[float] = []
        start = time.perf_counter()
        for n, m in enumerate(messages):
            for event in _translate(m, seen, n, keys=keys):
                t = time.perf_counter()
                await sim.feed(event)
                latencies.append(time.perf_counter() - t)
        # the charts still drawn in the background are posted, then the final flush
        await runtime.close()
        elapsed = time.perf_counter() - start
    return latencies, len(adapter.performed), elapsed


async def run_rules(messages: list[Any], playbook: Path) -> tuple[list[float], int, float]:
    """Rules and community state only: `Runtime.decide` on an empty in-memory database."""
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime

    with tempfile.TemporaryDirectory() as tmp:
        runtime = await build_runtime(
            db_url=f"sqlite:///{tmp}/bench.db",
            playbook=playbook,
            adapters={"replay": RecordingAdapter()},
        )
        seen: set[str] = set()
        latencies: list[float] = []
        fired = 0
        start = time.perf_counter()
        for n, m in enumerate(messages):
            for event in _translate(m, seen, n):
                t = time.perf_counter()
                outcomes = await runtime.decide(event)
                latencies.append(time.perf_counter() - t)
                fired += sum(len(o.decision.actions) for o in outcomes if o.fired and o.decision)
        elapsed = time.perf_counter() - start
        await runtime.store.close()
    return latencies, fired, elapsed


async def run_null(messages: list[Any]) -> tuple[list[float], int, float]:
    from bot.engine import Engine

    engine = Engine([])
    seen: set[str] = set()
    latencies: list[float] = []
    start = time.perf_counter()
    for n, m in enumerate(messages):
        for event in _translate(m, seen, n):
            t = time.perf_counter()
            await engine.evaluate(event, None)  # type: ignore[arg-type]
            latencies.append(time.perf_counter() - t)
    return latencies, 0, time.perf_counter() - start


def _tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants (the report's chart-drawing process is one)."""
    total = 0
    for proc in _tree(pid):
        try:
            with open(f"/proc/{proc}/status", encoding="ascii") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):  # gone meanwhile, or a zombie
            pass
    return total


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        proc = todo.pop()
        found.append(proc)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{proc}/task"):
                with open(f"/proc/{proc}/task/{task}/children", encoding="ascii") as f:
                    todo += [int(c) for c in f.read().split()]
    return found


@contextlib.contextmanager
def tree_peak() -> Iterator[dict[str, float]]:
    """The peak RSS of this process with its children, sampled every 0.2 s: peak_rss_mb is
    this process alone, and the bot draws its charts in a child process."""
    peak = {"mb": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak["mb"] = max(peak["mb"], _tree_rss_kb(os.getpid()) / 1024)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def _summary(mode: str, n_messages: int, latencies: list[float], elapsed: float) -> dict[str, Any]:
    latencies.sort()
    return {
        "mode": mode,
        "messages": n_messages,
        "events": len(latencies),
        "seconds": round(elapsed, 2),
        "msgs_per_s": round(n_messages / elapsed),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure(
    mode: str, limit: int | None, playbook: Path, db: str | None, *, keys: bool = False
) -> dict[str, Any]:
    from bot.corpus import load_chat

    messages, dropped = load_chat()
    if limit:
        messages = messages[:limit]
    if mode == "full":
        with tree_peak() as tree:
            latencies, actions, elapsed = asyncio.run(run_full(messages, playbook, db, keys=keys))
    elif mode == "rules":
        latencies, actions, elapsed = asyncio.run(run_rules(messages, playbook))
    else:
        latencies, actions, elapsed = asyncio.run(run_null(messages))
    row = _summary(mode, len(messages), latencies, elapsed)
    row.update(dropped_bulk=dropped, actions=actions, db=_db_kind(db) if mode == "full" else "-")
    if mode == "full":
        row["tree_peak_rss_mb"] = round(tree["mb"], 1)
    if keys and mode == "full":
        row["db"] += "+keys"
    return row


def _db_kind(db: str | None) -> str:
    return "sqlite" if db is None or db.startswith("sqlite") else "postgresql"


# -- the scale run: many distinct members, once each ---------------------------------------------


def _scale_events(members: int, communities: int, texts: list[str]) -> Iterator[Any]:
    """Member i posts once, in community i % communities, one second of event time apart per
    community round."""
    from bot.events import Actor, MessagePosted

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for i in range(members):
        actor = Actor(user_id=f"u{i}", name=f"member{i}")
        yield MessagePosted(
            platform="replay",
            community_id=f"c{i % communities}",
            occurred_at=start + timedelta(milliseconds=10 * i),
            channel_id="general",
            message_id=f"s{i}",
            author=actor,
            text=texts[i % len(texts)],
        )


def _corpus_texts(n: int) -> list[str]:
    """The first `n` texts of the corpus, read in a child process: loading the whole corpus
    here would count in the scale run's own peak RSS."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from bot.corpus import load_chat; "
        "print(json.dumps([m.text for m in load_chat()[0][: int(sys.argv[2])]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(n)], check=True, capture_output=True
    ).stdout
    return list(json.loads(out))


async def run_scale(
    members: int, communities: int, playbook: Path, db: str | None, max_members: int | None
) -> dict[str, Any]:
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from bot.simulation import Simulation

    texts = _corpus_texts(5000)
    gc.collect()
    at_start = _rss_mb()  # the runtime is built after this
    async with database(db) as url:
        adapter = RecordingAdapter()
        runtime = await build_runtime(db_url=url, playbook=playbook, adapters={"replay": adapter})
        if max_members is not None:
            runtime.states.max_members = max_members
        events = _scale_events(members, communities, texts)
        first = next(events)
        sim = Simulation(runtime, first.occurred_at)
        await sim.feed(first)
        for _ in range(communities - 1):  # every community loaded (and its classifier built)
            await sim.feed(next(events))
        gc.collect()
        # the growth from here on is the members': what a community costs is apart
        base_rss = _rss_mb()
        fixed = base_rss - at_start
        latencies = array.array("d")
        clock = time.perf_counter
        start = clock()
        cpu_start = _cpu_s()
        last, last_at, last_cpu = communities, start, cpu_start
        for n, event in enumerate(events, communities + 1):
            t = clock()
            await sim.feed(event)
            latencies.append(clock() - t)
            if n % 50_000 == 0:  # progress, on stderr: a long run says where it is
                now, cpu_now = clock(), _cpu_s()
                print(
                    f"{n:,} members, {n / (now - start):,.0f} msgs/s so far; the last "
                    f"{n - last:,}: {(n - last) / (now - last_at):,.0f} msgs/s, "
                    f"{(cpu_now - last_cpu) * 1000 / (n - last):.3f} ms CPU each; "
                    f"RSS {_rss_mb():,.0f} MB, {runtime.states.members_held:,} held, "
                    f"{runtime.states.members_evicted:,} evicted",
                    file=sys.stderr,
                    flush=True,
                )
                last, last_at, last_cpu = n, now, cpu_now
        await runtime.drain()
        await runtime.store.flush()
        elapsed = time.perf_counter() - start
        cpu = _cpu_s() - cpu_start
        gc.collect()
        held = runtime.states.members_held
        evicted = getattr(runtime.states, "members_evicted", 0)
        budget = runtime.states.max_members
        grown = _rss_mb() - base_rss
        await runtime.store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before sorting a copy
    row = _summary("scale", members - communities, sorted(latencies), elapsed)
    row.update(
        peak_rss_mb=round(peak, 1),
        communities=communities,
        members_held=held,
        members_evicted=evicted,
        max_members=budget,
        db=_db_kind(db),
        rss_growth_mb=round(grown, 1),
        communities_mb=round(fixed, 1),
        bytes_per_member=round(grown * 2**20 / max(1, held)),
        actions=len(adapter.performed),
        # the process's CPU (both threads: the event loop and the database's), which a loaded
        # machine does not stretch as it does wall-clock time
        cpu_s=round(cpu, 1),
        cpu_ms_per_msg=round(cpu * 1000 / max(1, members - communities), 3),
    )
    return row


# -- the driver ----------------------------------------------------------------------------------


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


def _print(rows: list[dict[str, Any]]) -> None:
    null = next((r["msgs_per_s"] for r in rows if r["mode"] == "null"), None)
    print(
        f"{'pipeline':<8} {'db':<10} {'messages':>9} {'msgs/s':>9} {'÷ null':>7} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'peak MB':>8} {'actions':>8}"
    )
    for r in rows:
        ratio = f"{null / r['msgs_per_s']:.1f}×" if null and r["mode"] != "null" else "-"
        print(
            f"{r['mode']:<8} {r.get('db', '-'):<10} {r['messages']:>9} {r['msgs_per_s']:>9} "
            f"{ratio:>7} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['peak_rss_mb']:>8} "
            f"{r['actions']:>8}"
        )
        if "tree_peak_rss_mb" in r:
            tree = r["tree_peak_rss_mb"]
            print(f"         peak RSS with its child processes (chart drawing): {tree} MB")
        if r["mode"] == "scale":
            print(
                f"         {r['communities']} communities, {r['members_held']:,} members held "
                f"(budget {r['max_members']:,}, {r['members_evicted']:,} evicted), "
                f"RSS +{r['rss_growth_mb']} MB = {r['bytes_per_member']} bytes per member held "
                f"(the communities themselves: {r['communities_mb']} MB before their members); "
                f"CPU {r['cpu_s']} s = {r['cpu_ms_per_msg']} ms per message"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N messages only")
    parser.add_argument("--playbook", type=Path, default=ROOT / "playbooks/default.yaml")
    parser.add_argument(
        "--db", default=None, help="database URL for the full pipeline (default: temp SQLite)"
    )
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"comma-separated, of {', '.join(MODES)} (default: all)",
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="SECTION",
        help="switch a playbook section off (repeatable)",
    )
    parser.add_argument("--scale", type=int, default=None, metavar="MEMBERS")
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument(
        "--max-members", type=int, default=None, help="scale run: the runtime's member budget"
    )
    parser.add_argument(
        "--keys",
        action="store_true",
        help="full pipeline: events carry redelivery keys, as real adapters give",
    )
    parser.add_argument("--json", action="store_true", help="print each row as JSON too")
    parser.add_argument("--mode", choices=[*MODES, "scale"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "scale":
        row = asyncio.run(
            run_scale(args.scale, args.communities, args.playbook, args.db, args.max_members)
        )
        print(json.dumps(row))
        return
    if args.mode:
        print(json.dumps(measure(args.mode, args.limit, args.playbook, args.db, keys=args.keys)))
        return
    playbook = args.playbook
    if args.without:
        playbook = without_sections(args.playbook, args.without, args.playbook.parent)
        print(f"playbook without {', '.join(args.without)}", file=sys.stderr)
    modes = ["scale"] if args.scale else [m.strip() for m in args.modes.split(",") if m.strip()]
    rows = []
    for mode in modes:
        if mode not in (*MODES, "scale"):
            raise SystemExit(f"--modes: unknown mode {mode!r}")
        cmd = [sys.executable, __file__, "--mode", mode, "--playbook", str(playbook)]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        if args.db:
            cmd += ["--db", args.db]
        if args.keys:
            cmd += ["--keys"]
        if args.scale:
            cmd += ["--scale", str(args.scale), "--communities", str(args.communities)]
            if args.max_members is not None:
                cmd += ["--max-members", str(args.max_members)]
        print(f"running {mode} pipeline…", file=sys.stderr, flush=True)
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    if playbook != args.playbook:
        playbook.unlink()
    _print(rows)
    if args.json:
        for r in rows:
            print(json.dumps(r))
    if rows and "dropped_bulk" in rows[0]:
        print(f"(bulk-import minutes dropped: {rows[0]['dropped_bulk']} messages)")


if __name__ == "__main__":
    main()
