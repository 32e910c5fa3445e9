"""The simulated scheduler runs jobs in the order a walk over every job would: earliest first,
a tie to the job added first — whatever the mix of cron jobs, dynamic jobs and replacements."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler import Job, SimulatedScheduler

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def _walk_order(jobs: dict[str, tuple[object, list[datetime]]], until: datetime) -> list:
    """The reference: every job's next time computed afresh, the earliest (first added) runs."""
    last: dict[str, datetime | None] = {}
    cursor, runs = T0, []
    while True:
        best = None
        for job_id, (trigger, dues) in jobs.items():
            if trigger is None:
                when = max(dues[0], cursor) if dues else None
            else:
                prev = last.get(job_id)
                when = trigger.get_next_fire_time(
                    prev, prev + timedelta(microseconds=1) if prev else cursor
                )
            if when is not None and when <= until and (best is None or when < best[0]):
                best = (when, job_id)
        if best is None:
            return runs
        when, job_id = best
        cursor = max(cursor, when)
        last[job_id] = when
        trigger, dues = jobs[job_id]
        if trigger is None:
            dues.pop(0)
        runs.append((when, job_id))


async def test_the_heap_runs_jobs_in_the_order_of_a_walk_over_every_job():
    rng = random.Random(7)
    triggers = {
        "a:daily": CronTrigger(hour=9, minute=0, timezone="UTC"),
        "b:hourly": CronTrigger(minute=0, timezone="UTC"),  # ties with a:daily at 09:00
        "c:every-7m": IntervalTrigger(minutes=7, start_date=T0),
        "d:weekly": CronTrigger(day_of_week="mon", hour=9, timezone="Asia/Shanghai"),
    }
    dues = sorted(T0 + timedelta(minutes=rng.randrange(0, 3 * 24 * 60)) for _ in range(40))
    runs: list[tuple[datetime, str]] = []

    def runner(job_id: str):
        async def run(when: datetime) -> None:
            runs.append((when, job_id))
            if job_id == "core.due":
                mine.pop(0)

        return run

    mine = list(dues)
    scheduler = SimulatedScheduler(T0)
    scheduler.add(Job("core.due", runner("core.due"), next_due=lambda: mine[0] if mine else None))
    for job_id, trigger in triggers.items():
        scheduler.add(Job(job_id, runner(job_id), trigger=trigger))
    until = T0 + timedelta(days=3)
    # events every few minutes: each advances the clock a little, as a replay does
    at = T0
    while at < until:
        at += timedelta(minutes=rng.randrange(1, 90))
        await scheduler.advance_to(min(at, until))
    reference = {"core.due": (None, list(dues)), **{k: (t, []) for k, t in triggers.items()}}
    assert runs == _walk_order(reference, until)
    assert len(runs) > 100


async def test_a_replaced_job_keeps_its_place_and_a_removed_one_never_runs():
    runs: list[str] = []

    def runner(name: str):
        async def run(when: datetime) -> None:
            runs.append(name)

        return run

    daily = CronTrigger(hour=9, timezone="UTC")
    scheduler = SimulatedScheduler(T0)
    for name in ("first", "second", "third"):
        scheduler.add(Job(name, runner(name), trigger=daily))
    scheduler.add(Job("first", runner("first again"), trigger=daily))  # a reloaded playbook
    scheduler.remove("second")
    await scheduler.advance_to(T0 + timedelta(days=1))
    assert runs == ["first again", "third"]
