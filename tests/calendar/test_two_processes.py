"""Bot processes on one PostgreSQL database: each calendar post goes out exactly once, by the
process owning its community, before and after the owner is killed (SIGKILL: no clean shutdown,
no lease released by it)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import Store
from rules.calendar import store as calendar_store

REPO = Path(__file__).resolve().parents[2]
POSTS = 8
SPACING = 2.0  # seconds between posts
KILL_AFTER = 3  # posts seen before the owner is killed
LEAD_TIME = 20  # seconds from "both workers imported" to the first post (they must be ready)
LATE = 5  # seconds a post may be late (the standby's take-over included)


def read_posts(out: Path) -> list[dict]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]


def wait_for(out: Path, count: int, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posts = read_posts(out)
        if len(posts) >= count:
            return posts
        time.sleep(0.05)
    return read_posts(out)


def write_playbook(playbook: Path, times: list[datetime], topics: list[str]) -> None:
    scratch = playbook.with_suffix(".tmp")
    scratch.write_text(
        "community: {name: Twins, timezone: UTC}\n"
        "calendar:\n  entries:\n    fast:\n      channel: general\n"
        '      text: "{topic}"\n      grace: 1m\n'
        f"      pool: {json.dumps(topics)}\n"
        f"      at: {json.dumps([t.strftime('%Y-%m-%d %H:%M:%S') for t in times])}\n",
        encoding="utf-8",
    )
    scratch.rename(playbook)  # appears whole: a worker never reads half a file


def stop_all(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


def read_logs(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.glob("w*.log")))


def wait_for_logs(logs: list[Path], word: str, timeout: float) -> bool:
    """True once every log has a line `word` (the workers print it, flushed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(log.exists() and word in log.read_text().splitlines() for log in logs):
            return True
        time.sleep(0.05)
    return False


def start_worker(
    db: str, playbook: Path, out: Path, log: Path, serves: str = "c1"
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.calendar.calendar_worker",
            *(db, str(playbook), str(out), serves),
        ],
        cwd=REPO,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def test_each_post_goes_out_once_with_two_processes_and_after_the_owner_dies(
    pg_url: str, tmp_path: Path
) -> None:
    store = await Store.open(pg_url)  # migrate once, before the workers start
    await store.close()
    playbook, out = tmp_path / "playbook.yaml", tmp_path / "posts.jsonl"
    logs = [tmp_path / f"w{i}.log" for i in range(2)]
    workers = [start_worker(pg_url, playbook, out, log) for log in logs]
    try:
        # both workers are past their imports before the post times are set
        assert wait_for_logs(logs, "imported", timeout=120), read_logs(tmp_path)
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_TIME)
        times = [first + timedelta(seconds=SPACING * i) for i in range(POSTS)]
        topics = [f"topic-{i}" for i in range(POSTS)]
        write_playbook(playbook, times, topics)
        assert wait_for_logs(logs, "ready", timeout=LEAD_TIME), read_logs(tmp_path)
        before = wait_for(out, KILL_AFTER, timeout=LEAD_TIME + 15)
        assert len(before) >= KILL_AFTER, read_logs(tmp_path)
        owner_pid = before[0]["pid"]
        assert {p["pid"] for p in before} == {owner_pid}  # one process owns c1
        owner = next(w for w in workers if w.pid == owner_pid)
        owner.send_signal(signal.SIGKILL)
        killed_at = time.time()
        owner.wait(5)

        posts = wait_for(out, POSTS, timeout=times[-1].timestamp() - time.time() + 10)
        time.sleep(SPACING)  # a duplicate would show up within this
        posts = read_posts(out)
    finally:
        stop_all(workers)

    assert len(posts) == POSTS, read_logs(tmp_path)  # none lost, none doubled
    assert sorted(p["text"] for p in posts) == sorted(topics)
    standby_pid = next(w.pid for w in workers if w.pid != owner_pid)
    after = [p for p in posts if p["t"] > killed_at]
    assert after and {p["pid"] for p in after} == {standby_pid}  # the standby took over
    # every post at (or, right after the take-over, shortly after) its time, never early
    sent_at = sorted(p["t"] for p in posts)
    assert all(s >= t.timestamp() - 0.5 for s, t in zip(sent_at, times, strict=True))
    assert all(s - t.timestamp() < LATE for s, t in zip(sent_at, times, strict=True))

    store = await Store.open(pg_url, migrate=False)
    try:
        ref = await store.community("test", "c1")
        rows = await calendar_store.occurrences_since(store, ref, times[0] - timedelta(days=1))
        assert len(rows) == POSTS
        # the owner may be killed after sending a post and before marking it sent: that row
        # stays "claimed" — and is not sent again by the standby
        claimed = [r.pool_item for r in rows if r.status == "claimed"]
        assert [r.status for r in rows if r.status != "claimed"] == ["sent"] * (
            POSTS - len(claimed)
        )
        assert len(claimed) <= 1
        assert set(claimed) <= {p["text"] for p in posts if p["pid"] == owner_pid}
    finally:
        await store.close()


async def test_processes_serving_different_communities_post_their_own_and_a_standby_takes_over(
    pg_url: str, tmp_path: Path
) -> None:
    """c1 is served by two processes (an owner and a standby: whichever takes the lease first),
    c2 by a third. Each post goes out once, from a process serving its community; after the
    owner of c1 is killed, the standby posts c1's next items once."""
    store = await Store.open(pg_url)
    for community in ("c1", "c2"):
        await store.community("test", community)
    await store.close()
    playbook, out = tmp_path / "playbook.yaml", tmp_path / "posts.jsonl"
    serving = ["c1", "c1", "c2"]
    logs = [tmp_path / f"w{i}.log" for i in range(len(serving))]
    workers = [
        start_worker(pg_url, playbook, out, log, serves)
        for log, serves in zip(logs, serving, strict=True)
    ]
    count = 3
    try:
        assert wait_for_logs(logs, "imported", timeout=120), read_logs(tmp_path)
        # a loaded machine (CI beside other jobs) takes seconds to start three processes
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_TIME)
        times = [first + timedelta(seconds=SPACING * i) for i in range(count)]
        write_playbook(playbook, times, [f"item-{i}" for i in range(count)])
        assert wait_for_logs(logs, "ready", timeout=LEAD_TIME), read_logs(tmp_path)
        before = wait_for(out, 2, timeout=LEAD_TIME + 10)  # the first item in c1 and in c2
        assert sorted(p["community"] for p in before) == ["c1", "c2"], read_logs(tmp_path)
        owner_pid = next(p["pid"] for p in before if p["community"] == "c1")
        owner = next(w for w in workers if w.pid == owner_pid)
        owner.send_signal(signal.SIGKILL)
        killed_at = time.time()
        owner.wait(5)
        wait_for(out, 2 * count, timeout=times[-1].timestamp() - time.time() + 10)
        time.sleep(SPACING)  # a duplicate would show up within this
        posts = read_posts(out)
    finally:
        stop_all(workers)

    pids = {c: {w.pid for w, s in zip(workers, serving, strict=True) if s == c} for c in serving}
    for community in ("c1", "c2"):
        mine = [p for p in posts if p["community"] == community]
        assert sorted(p["text"] for p in mine) == [f"item-{i}" for i in range(count)], posts
        assert {p["pid"] for p in mine} <= pids[community]  # never by a process not serving it
    (standby_pid,) = pids["c1"] - {owner_pid}
    after = [p for p in posts if p["community"] == "c1" and p["t"] > killed_at]
    assert after and {p["pid"] for p in after} == {standby_pid}, posts  # the standby took over
    # c2's process never stopped serving it: all of c2's posts from it, on time
    sent = sorted(p["t"] for p in posts if p["community"] == "c2")
    assert all(-0.5 <= s - t.timestamp() < LATE for s, t in zip(sent, times, strict=True))
