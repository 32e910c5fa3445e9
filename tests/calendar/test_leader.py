"""Exactly one process leads (runs the scheduler); when it dies another takes over."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.leader import LeaderLock, lock_key

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("QUNBOT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


# --- PostgreSQL availability (to move into a shared conftest) ---------------------------------


async def postgres_problem(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used for these tests, or None when it can."""
    engine = create_async_engine(url)
    try:
        async with asyncio.timeout(5):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except (OSError, SQLAlchemyError, TimeoutError) as exc:
        return f"PostgreSQL not reachable at {url} ({type(exc).__name__}: {exc})"
    finally:
        await engine.dispose()
    return None


def skip_or_fail(problem: str | None) -> None:
    """Skip when PostgreSQL is unreachable, except in CI (CI=true), where that is a failure."""
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; CI must run the PostgreSQL tests")
    pytest.skip(problem)


@pytest.fixture
async def pg_url() -> str:
    skip_or_fail(await postgres_problem())
    return PG_URL


@pytest.fixture
async def engines(pg_url: str) -> AsyncIterator[list[AsyncEngine]]:
    """Independent engines, as separate processes would have."""
    made = [create_async_engine(pg_url) for _ in range(3)]
    yield made
    for engine in made:
        await engine.dispose()


def unique_name() -> str:
    return f"test-scheduler-{uuid.uuid4()}"


async def backend_pid(lock: LeaderLock) -> int:
    assert lock._conn is not None
    return int(await lock._conn.scalar(text("SELECT pg_backend_pid()")))


# --- two contenders -----------------------------------------------------------------------------


async def test_only_one_of_two_contenders_becomes_leader(
    engines: list[AsyncEngine],
) -> None:
    name = unique_name()
    first, second = LeaderLock(engines[0], name), LeaderLock(engines[1], name)

    assert await first.try_acquire()
    assert not await second.try_acquire()
    assert await first.is_leader()
    assert not await second.is_leader()
    assert await first.try_acquire()  # asking again while leading stays leader
    await first.release()
    await second.release()


async def test_releasing_lets_the_other_take_over(engines: list[AsyncEngine]) -> None:
    name = unique_name()
    first, second = LeaderLock(engines[0], name), LeaderLock(engines[1], name)
    assert await first.try_acquire()
    assert await first.try_acquire()  # twice must not stack the lock

    await first.release()

    assert not await first.is_leader()
    assert await second.try_acquire()
    await second.release()


async def test_a_killed_leader_connection_hands_over_leadership(
    engines: list[AsyncEngine],
) -> None:
    name = unique_name()
    first, second = LeaderLock(engines[0], name), LeaderLock(engines[1], name)
    assert await first.try_acquire()
    assert not await second.try_acquire()

    # the leader's session dies (crash, network cut, admin): PostgreSQL frees its locks
    async with engines[2].connect() as admin:
        await admin.execute(
            text("SELECT pg_terminate_backend(:p)"), {"p": await backend_pid(first)}
        )

    assert not await first.is_leader()
    assert await second.try_acquire()
    assert not await first.try_acquire()
    await second.release()


async def test_different_names_are_different_locks(engines: list[AsyncEngine]) -> None:
    a, b = LeaderLock(engines[0], unique_name()), LeaderLock(engines[1], unique_name())
    assert lock_key(a.name) != lock_key(b.name)
    assert await a.try_acquire() and await b.try_acquire()
    await a.release()
    await b.release()


async def test_an_unreachable_database_means_not_leader() -> None:
    lock = LeaderLock("postgresql://postgres@127.0.0.1:1/none", unique_name(), check_timeout=2)
    assert not await lock.try_acquire()
    assert not await lock.is_leader()
    await lock.close()


async def test_run_as_leader_stops_its_jobs_before_letting_go(
    engines: list[AsyncEngine],
) -> None:
    name = unique_name()
    events: list[str] = []
    probe = LeaderLock(engines[2], name)
    stop_first = asyncio.Event()
    first, second = LeaderLock(engines[0], name), LeaderLock(engines[1], name)

    def callbacks(who: str):
        async def elected() -> None:
            events.append(f"{who} elected")

        async def lost() -> None:
            # nobody else may lead while this process still runs its jobs
            events.append(f"{who} lost, probe got lock: {await probe.try_acquire()}")

        return elected, lost

    task_first = asyncio.create_task(
        first.run_as_leader(*callbacks("first"), 0.05, stop=stop_first)
    )
    await asyncio.sleep(0.3)
    task_second = asyncio.create_task(second.run_as_leader(*callbacks("second"), 0.05))
    await asyncio.sleep(0.3)
    assert events == ["first elected"]

    stop_first.set()
    await task_first
    for _ in range(60):
        if "second elected" in events:
            break
        await asyncio.sleep(0.05)
    task_second.cancel()
    await asyncio.gather(task_second, return_exceptions=True)

    assert events == [
        "first elected",
        "first lost, probe got lock: False",
        "second elected",
        "second lost, probe got lock: False",
    ]
    assert await probe.try_acquire()  # the cancelled leader released on its way out
    await probe.release()


async def test_sqlite_is_single_process_and_always_leader(tmp_path: Path) -> None:
    async with LeaderLock(f"sqlite:///{tmp_path / 'q.db'}", "scheduler") as lock:
        assert lock.single_process
        assert await lock.try_acquire()
        assert await lock.is_leader()
        await lock.release()
        assert not await lock.is_leader()
        assert await lock.try_acquire()


# --- two real processes ---------------------------------------------------------------------

WORKER = """
import asyncio, os, sys, time
from bot.store.leader import LeaderLock

url, name, path = sys.argv[1:4]

async def main() -> None:
    lock = LeaderLock(url, name, check_timeout=2)
    writer = None

    async def write_lines() -> None:
        while True:
            with open(path, "a") as out:
                out.write(f"{os.getpid()} {time.time():.6f}\\n")
            await asyncio.sleep(0.1)

    async def elected() -> None:
        nonlocal writer
        writer = asyncio.create_task(write_lines())

    async def lost() -> None:
        if writer is not None:
            writer.cancel()

    await lock.run_as_leader(elected, lost, poll_interval=0.1)

asyncio.run(main())
"""


def read_lines(path: Path) -> list[tuple[int, float]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        pid, stamp = line.split()
        rows.append((int(pid), float(stamp)))
    return rows


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_killing_the_leader_process_hands_over_to_the_other_and_never_two_lead(
    tmp_path: Path,
) -> None:
    skip_or_fail(asyncio.run(postgres_problem()))
    pg_url = PG_URL
    log = tmp_path / "leader.log"
    name = unique_name()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, pg_url, name, str(log)],
            cwd=REPO,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        assert wait_for(lambda: len(read_lines(log)) > 0, 15), "no process became leader"
        time.sleep(1.5)  # both have been contending for ~15 polls
        before = read_lines(log)
        leaders = {pid for pid, _ in before}
        assert len(leaders) == 1, f"two leaders at once: {leaders}"
        (leader,) = leaders
        (follower,) = {p.pid for p in procs} - leaders
        assert len(before) >= 10  # the leader kept writing every 100 ms

        killed_at = time.time()
        os.kill(leader, signal.SIGKILL)
        took_over = wait_for(lambda: any(pid == follower for pid, _ in read_lines(log)), 10)

        assert took_over, "the follower never took over"
        after = read_lines(log)
        follower_times = [t for pid, t in after if pid == follower]
        leader_times = [t for pid, t in after if pid == leader]
        assert max(leader_times) < killed_at < min(follower_times)  # never both at once
        assert min(follower_times) - killed_at < 3.0
        print(f"take-over after SIGKILL: {min(follower_times) - killed_at:.3f}s")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if proc.stderr is not None:
                proc.stderr.close()
