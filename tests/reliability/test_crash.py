"""Crash tests: `qunbot replay` killed with SIGKILL at random (seeded) points, then the whole
replay again on the same database. The final state equals a clean run's — no case, ledger
entry, check-in, calendar post or counter lost or doubled — and one more replay of the same
file prints no action at all. On SQLite and on PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.store import db
from tests.conftest import _fresh_pg
from tests.reliability.week import write_week

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "default.yaml"
SEED = int(os.environ.get("QUNBOT_CRASH_SEED", "11"))

# what must be equal after crashes: what protects people or money, and the counters
STATE = {
    "cases": "SELECT number, user_id, action, actor_id, rule, reason, weight, duration_seconds "
    "FROM moderation_cases",
    "ledger": "SELECT user_id, key, source, amount FROM points_ledger",
    "balances": "SELECT user_id, xp, balance FROM points_balances",
    "checkins": "SELECT user_id, day, streak FROM checkins",
    "calendar": "SELECT key FROM calendar_occurrences",
    "members": "SELECT user_id, message_count, join_count, first_message_at, last_active_at, "
    "joined_at, left_at FROM members",
    "daily": "SELECT user_id, day, messages, chars, links FROM activity_daily",
    "hourly": "SELECT day, hour, messages FROM activity_hourly",
    "redemptions": "SELECT user_id, item, key FROM shop_redemptions",
}


def _replay(events: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "replay", str(events),
         "--playbook", str(PLAYBOOK), "--db", url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # each action line as it happens
    )  # fmt: skip


def _run(events: Path, url: str) -> list[bytes]:
    proc = _replay(events, url)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return out.splitlines()


def _killed(events: Path, url: str, after_lines: int, delay: float) -> int:
    """Start a replay; SIGKILL it `delay` seconds after its `after_lines`-th action line.
    Returns how many lines it printed, or -1 when it finished first."""
    proc = _replay(events, url)
    assert proc.stdout is not None
    printed = 0
    while printed < after_lines and proc.stdout.readline():
        printed += 1
    if printed < after_lines:
        proc.communicate()
        return -1
    time.sleep(delay)  # somewhere inside the next events, not at a line's edge
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return printed


async def _state(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                name: sorted((await conn.execute(text(sql))).all(), key=repr)
                for name, sql in STATE.items()
            }
    finally:
        await engine.dispose()


@pytest.fixture
def week(tmp_path: Path) -> Path:
    return write_week(tmp_path / "week.jsonl", seed=SEED, members=8, days=2, gap=(120, 900))


async def test_sigkill_at_random_points_then_rerun_equals_a_clean_run(db_url, tmp_path, week):
    crash_url = db_url
    async with _other_database(db_url, tmp_path) as clean_url:
        clean_out = await asyncio.to_thread(_run, week, clean_url)
        clean = await _state(clean_url)
    assert clean["cases"] and clean["ledger"] and clean["checkins"] and clean["calendar"]

    rng = random.Random(SEED)
    first = rng.randint(1, len(clean_out) - 10)
    points = [(first, rng.uniform(0, 0.05))]
    # then killed again while rerunning (it prints only what the first run had not done)
    points.append((rng.randint(1, max(1, (len(clean_out) - first) // 2)), rng.uniform(0, 0.05)))
    kills = 0
    for lines, delay in points:
        kills += await asyncio.to_thread(_killed, week, crash_url, lines, delay) >= 0
    assert kills >= 1, "the replay finished before it could be killed"
    await asyncio.to_thread(_run, week, crash_url)
    crashed = await _state(crash_url)
    for name in STATE:
        lost = [row for row in clean[name] if row not in crashed[name]]
        extra = [row for row in crashed[name] if row not in clean[name]]
        assert crashed[name] == clean[name], f"{name} after {kills} kills: {lost=} {extra=}"

    # every line was handled: one more replay of the file prints no action
    again = await asyncio.to_thread(_run, week, crash_url)
    assert again == []
    assert clean_out


@contextlib.asynccontextmanager
async def _other_database(url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A second empty database of the same kind, for the clean run."""
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'clean.db'}"
        return
    async with _fresh_pg() as clean:
        yield clean
