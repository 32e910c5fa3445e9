"""Scheduler core behind a small interface, so the same jobs run on APScheduler in production
and on a simulated clock in the console, replays and tests.

A job has either a fixed APScheduler trigger (cron, interval) or a dynamic `next_due` function
(e.g. "the earliest pending SOP step in the database"). Jobs receive the time they were due.
"""

from __future__ import annotations

import heapq
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)

JobRun = Callable[[datetime], Awaitable[None]]
# the next due time, or an awaitable of it (an answer from memory need not be awaited)
NextDue = Callable[[], Any]
_TINY = timedelta(microseconds=1)
_MAX_COUNTED = 100_000  # missed runs counted one by one, at most
_NONE_PARKED: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    run: JobRun
    trigger: Any = None  # an APScheduler trigger
    next_due: NextDue | None = None
    misfire_grace: timedelta = timedelta(minutes=5)


def trigger_shape(trigger: Any) -> str:
    """A stable description of a trigger, to notice when a reloaded playbook changed a job
    (an interval trigger's repr holds its creation time, so only its interval counts)."""
    interval = getattr(trigger, "interval", None)
    if interval is not None:
        return f"interval:{interval}"
    return repr(trigger)


class SimulatedScheduler:
    """Runs due jobs, in time order, whenever the simulated clock is moved forward.

    Trigger jobs wait in a heap of their next fire times, so an advance that finds nothing due
    looks at the heap's top and the dynamic jobs' `next_due` only (it runs before every event
    of a replay); ties go to the job added first, as a walk over all jobs in order would.

    Two guards keep an advance finite whatever the jobs do: a job that runs again and again
    at the same time without its next due time moving (no progress for `stuck_after` runs) is
    logged and parked until the next advance; and a jump of the clock longer than `catch_up`
    (an event far after the previous one) is downtime — periodic runs more than their misfire
    grace before its end are skipped and counted in `skipped`, not all run."""

    def __init__(
        self,
        start: datetime,
        *,
        max_runs_per_advance: int = 200_000,
        stuck_after: int = 20,
    ) -> None:
        self.cursor = start
        self._jobs: dict[str, Job] = {}
        self._rank: dict[str, int] = {}  # job id → order of addition (a tie's winner)
        self._added = 0
        self._last: dict[str, datetime] = {}
        # next fire time of each trigger job, computed once per firing (cron maths is costly),
        # in UTC: compared before every event, and aware datetimes of two zones compare
        # through their zones' offsets (slow), of one zone field by field
        self._upcoming: dict[str, datetime | None] = {}
        # (next fire time in UTC, rank, job id, the time as the trigger gave it) of trigger
        # jobs; an entry that no longer matches `_upcoming` (the job fired, was replaced or
        # removed) is stale and dropped when met
        self._heap: list[tuple[datetime, int, str, datetime]] = []
        self._unplanned: set[str] = set()  # trigger jobs whose next fire time is not computed
        self._dynamic: dict[str, Job] = {}  # jobs with `next_due`, asked on every advance
        self._max_runs = max_runs_per_advance
        self._stuck_after = stuck_after
        # job id → periodic runs skipped as missed (the clock jumped past them)
        self.skipped: dict[str, int] = {}

    def add(self, job: Job) -> None:
        if job.id not in self._jobs:  # a replaced job keeps its place, as in a dict
            self._added += 1
            self._rank[job.id] = self._added
        self._jobs[job.id] = job
        self._last.pop(job.id, None)
        self._upcoming.pop(job.id, None)
        if job.next_due is not None:
            self._dynamic[job.id] = job
            self._unplanned.discard(job.id)
        else:
            self._dynamic.pop(job.id, None)
            self._unplanned.add(job.id)

    def remove(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self._rank.pop(job_id, None)
        self._last.pop(job_id, None)
        self._upcoming.pop(job_id, None)
        self._dynamic.pop(job_id, None)
        self._unplanned.discard(job_id)

    def job_ids(self) -> set[str]:
        return set(self._jobs)

    def _plan(self, job_id: str, when: datetime | None) -> None:
        if when is None:
            self._upcoming[job_id] = None
            return
        key = self._upcoming[job_id] = when.astimezone(UTC)
        heapq.heappush(self._heap, (key, self._rank[job_id], job_id, when))

    def _plan_unplanned(self) -> None:
        for job_id in self._unplanned:
            job = self._jobs[job_id]
            last = self._last.get(job_id)
            after = last + _TINY if last else self.cursor
            self._plan(job_id, job.trigger.get_next_fire_time(last, after))
        self._unplanned.clear()

    def _trigger_top(
        self, parked: set[str] | frozenset[str]
    ) -> tuple[datetime, int, str, datetime] | None:
        """The earliest planned trigger job not parked (stale heap entries are dropped)."""
        heap, upcoming = self._heap, self._upcoming
        set_aside: list[tuple[datetime, int, str, datetime]] = []
        top = None
        while heap:
            entry = heap[0]
            when, rank, job_id, _ = entry
            if upcoming.get(job_id) != when or self._rank.get(job_id) != rank:
                heapq.heappop(heap)
                continue
            if job_id in parked:
                set_aside.append(heapq.heappop(heap))
                continue
            top = entry
            break
        for entry in set_aside:
            heapq.heappush(heap, entry)
        return top

    async def _next_dynamic(self, job: Job) -> datetime | None:
        due = job.next_due()  # type: ignore[misc]
        if due is not None and type(due) is not datetime and inspect.isawaitable(due):
            due = await due
        return max(due, self.cursor) if due is not None else None

    async def _earliest(self, target: datetime, parked: set[str]) -> tuple[datetime, str] | None:
        """The earliest job due by `target` (ties: the first added), or None."""
        if self._unplanned:
            self._plan_unplanned()
        best: tuple[datetime, int, str] | None = None
        fire_time: datetime | None = None  # the trigger's own time of `best`, if a trigger's
        top = self._trigger_top(parked)
        if top is not None and top[0] <= target:
            best, fire_time = top[:3], top[3]
        for job_id, job in list(self._dynamic.items()):
            if job_id in parked:
                continue
            when = await self._next_dynamic(job)
            if when is None or when > target:
                continue
            rank = self._rank[job_id]
            if best is None or (when, rank) < best[:2]:
                best, fire_time = (when, rank, job_id), None
        return None if best is None else (fire_time or best[0], best[2])

    def _idle_until(self, target: datetime) -> bool:
        """True when surely nothing is due by `target`, told without awaiting anything; False
        when something is, or when a dynamic job's answer must be awaited (`_earliest`
        then asks again)."""
        if self._unplanned:
            return False
        heap = self._heap
        # every entry, stale or not, is at or after the heap's top: one later than `target`
        # says no trigger job is due without dropping the stale entries first
        if heap and heap[0][0] <= target:
            top = self._trigger_top(_NONE_PARKED)
            if top is not None and top[0] <= target:
                return False
        cursor = self.cursor
        for job in self._dynamic.values():
            due = job.next_due()  # type: ignore[misc]
            if due is None:
                continue
            if type(due) is not datetime:  # an awaitable: not started, so closed unawaited
                close = getattr(due, "close", None)
                if close is not None:
                    close()
                return False
            if max(due, cursor) <= target:
                return False
        return True

    def _skip_missed(self, job: Job, when: datetime, cutoff: datetime) -> None:
        """Count the runs of a periodic job between `when` and `cutoff` and move past them."""
        count, at = 0, when
        while at is not None and at < cutoff and count < _MAX_COUNTED:
            count += 1
            self._last[job.id] = at
            at = job.trigger.get_next_fire_time(at, at + _TINY)
        if at is not None and at < cutoff:  # too many to count one by one: jump
            at = job.trigger.get_next_fire_time(None, cutoff)
        self._plan(job.id, at)
        self.skipped[job.id] = self.skipped.get(job.id, 0) + count
        log.warning(
            "%s: skipped %s%d missed runs from %s to %s (the clock jumped; misfire grace %s)",
            job.id,
            "at least " if count >= _MAX_COUNTED else "",
            count,
            when.isoformat(),
            cutoff.isoformat(),
            job.misfire_grace,
        )

    async def advance_to(self, target: datetime, *, catch_up: timedelta | None = None) -> int:
        """Run every job due up to `target`, earliest first. Returns how many runs happened.
        With `catch_up`, a jump longer than it skips the periodic runs it missed."""
        if self._idle_until(target):  # the common advance (one before every event)
            self.cursor = max(self.cursor, target)
            return 0
        runs = 0
        jumped = catch_up is not None and target - self.cursor > catch_up
        parked: set[str] = set()  # made no progress: not run again in this advance
        repeats: dict[str, tuple[datetime, int]] = {}
        while runs < self._max_runs:
            best = await self._earliest(target, parked)
            if best is None:
                break
            when, job_id = best
            job = self._jobs[job_id]
            if jumped and job.next_due is None and when < target - job.misfire_grace:
                self._skip_missed(job, when, target - job.misfire_grace)
                continue
            seen, count = repeats.get(job_id, (None, 0))
            count = count + 1 if seen == when else 1
            repeats[job_id] = (when, count)
            if count > self._stuck_after:
                log.warning(
                    "%s ran %d times at %s without its next due time moving; parked until "
                    "the clock moves on",
                    job_id,
                    count - 1,
                    when.isoformat(),
                )
                parked.add(job_id)
                continue
            self.cursor = max(self.cursor, when)
            self._last[job_id] = when
            if job.next_due is None:
                self._upcoming.pop(job_id, None)
                self._unplanned.add(job_id)
            await job.run(when)
            runs += 1
        else:
            log.warning("stopped after %d job runs in one advance; is a job never finishing?", runs)
        self.cursor = max(self.cursor, target)
        return runs


class RealScheduler:
    """APScheduler 3.11 AsyncIOScheduler; dynamic jobs are polled every `poll` seconds."""

    def __init__(self, clock: Clock, *, poll: float = 10.0) -> None:
        self.clock = clock
        self.poll = poll
        self._aps = AsyncIOScheduler(timezone="UTC")

    def add(self, job: Job) -> None:
        trigger = job.trigger or IntervalTrigger(seconds=self.poll)

        async def fire() -> None:
            try:
                await job.run(self.clock.now())
            except Exception:
                log.exception("scheduled job %s failed", job.id)

        self._aps.add_job(
            fire,
            trigger,
            id=job.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.misfire_grace.total_seconds()) or None,
        )

    def remove(self, job_id: str) -> None:
        if self._aps.get_job(job_id):
            self._aps.remove_job(job_id)

    def job_ids(self) -> set[str]:
        return {j.id for j in self._aps.get_jobs()}

    def start(self) -> None:
        self._aps.start()

    def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)
