"""Fuzz: ten thousand random and hostile replay lines through the whole pipeline (replay
boundary → engine → rules → store → executor) on SQLite and PostgreSQL, with the shipped
playbook. Asserts no crash (no exception escapes, no rule fails, no action fails), no hang
(every event within a time bound) and consistent state (counters, ledger sums, case numbers)."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import text as sql

from adapters.recording import RecordingAdapter
from bot.app import build_runtime
from bot.events import MessagePosted
from bot.replay import PLATFORM, ReplayProblem, read_events
from tests.hostile.generate import Hostile

ROOT = Path(__file__).resolve().parents[2]
EVENTS = int(os.environ.get("QUNBOT_FUZZ_EVENTS", "10000"))
SEED = int(os.environ.get("QUNBOT_FUZZ_SEED", "20261203"))
PER_EVENT_SECONDS = 10.0  # a hang, not slowness: the whole run is timed below


async def test_ten_thousand_hostile_events_leave_consistent_state(db_url):
    runtime = await build_runtime(
        db_url=db_url,
        playbook=ROOT / "playbooks/default.yaml",
        adapters={PLATFORM: RecordingAdapter(platform=PLATFORM)},
    )
    failures: list[str] = []
    messages: Counter[tuple[str, str]] = Counter()
    refused = handled = 0
    latest = None
    started = time.perf_counter()
    try:
        for number, item in read_events(Hostile(SEED).lines(EVENTS)):
            if isinstance(item, ReplayProblem):
                refused += 1
                assert item.message, f"line {number}: a refusal must say why"
                continue
            try:
                done = await asyncio.wait_for(runtime.handle(item), PER_EVENT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - collected and reported with the line
                failures.append(f"line {number} {item.kind}: {exc.__class__.__name__}: {exc}")
                continue
            handled += 1
            if type(item) is MessagePosted:
                messages[(item.community_id, item.author.user_id)] += 1
            for outcome in done.outcomes if done else ():
                if outcome.note.startswith("error"):
                    failures.append(f"line {number} {outcome.rule}: {outcome.note}")
            for action in done.actions if done else ():
                if action.status == "failed":
                    failures.append(f"line {number} {action.rule}: {action.detail}")
            if latest is None or item.occurred_at > latest:
                latest = item.occurred_at
            if number % 2000 == 0 and latest is not None:  # due steps: timeouts end, SOP steps
                await asyncio.wait_for(runtime.run_due(latest), PER_EVENT_SECONDS)
        await runtime.store.flush()
        elapsed = time.perf_counter() - started
        assert not failures, f"seed {SEED}: {len(failures)} failures, e.g.\n" + "\n".join(
            failures[:15]
        )
        assert handled >= 0.75 * EVENTS and refused > 0
        await _state_is_consistent(runtime, messages)
    finally:
        await runtime.store.close()
    print(f"{EVENTS} hostile lines ({handled} events, {refused} refused) in {elapsed:.1f}s")


async def _state_is_consistent(runtime, messages: Counter[tuple[str, str]]) -> None:
    async with runtime.store.sessions() as s:
        rows = await s.execute(
            sql(
                "SELECT c.external_id, m.user_id, m.message_count FROM members m "
                "JOIN communities c ON c.id = m.community_id WHERE m.message_count > 0"
            )
        )
        counted = {(community, user): count for community, user, count in rows}
        # every message counted once, on the member who wrote it (the ids as cleaned)
        assert counted == dict(messages)
        ledger = dict(
            (
                await s.execute(
                    sql(
                        "SELECT community_id || ':' || user_id, sum(amount) FROM points_ledger "
                        "GROUP BY community_id, user_id"
                    )
                )
            ).all()
        )
        balances = dict(
            (
                await s.execute(
                    sql("SELECT community_id || ':' || user_id, balance FROM points_balances")
                )
            ).all()
        )
        assert {k: v for k, v in balances.items() if v} == {k: v for k, v in ledger.items() if v}
        numbers = (
            await s.execute(sql("SELECT community_id, number FROM moderation_cases ORDER BY 1, 2"))
        ).all()
        per_community: dict[int, list[int]] = {}
        for community, number in numbers:
            per_community.setdefault(community, []).append(number)
        for community, found in per_community.items():
            assert found == list(range(1, len(found) + 1)), f"case numbers of {community}"
