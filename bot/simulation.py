"""Driving the runtime on a simulated clock: the console, replays, the demo and tests.

Before each event the scheduler catches up to the event's time, so due steps and periodic jobs
happen in the same order they would in real time."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.events import Event
from bot.runtime import Handled, Runtime
from bot.scheduler import SimulatedScheduler, trigger_shape

# a gap between two events longer than this is downtime: the periodic runs it skips over are
# missed (skipped and counted), not all run — one event ten years ahead must not make the
# calendar catch up thousands of posts
CATCH_UP = timedelta(days=31)


class Simulation:
    def __init__(
        self, runtime: Runtime, start: datetime, *, catch_up: timedelta | None = CATCH_UP
    ) -> None:
        self.runtime = runtime
        self.scheduler = SimulatedScheduler(start)
        self.catch_up = catch_up
        self._jobs_for: tuple[int, tuple[int, ...]] | None = None
        self._shapes: dict[str, str] = {}  # job id → trigger shape, to replace edited jobs

    @property
    def now(self) -> datetime:
        return self.scheduler.cursor

    def _jobs_state(self) -> tuple[int, tuple[int, ...]]:
        """What the installed jobs depend on: the communities seen, the playbooks' versions
        (asked before and after every event: no list of managers is built for it)."""
        playbooks = self.runtime.playbooks
        versions = (playbooks.default.version,)
        if playbooks.overrides:
            versions = tuple(m.version for m in playbooks.managers())
        return self.runtime.store.known_communities, versions

    async def _refresh_jobs(self) -> None:
        """(Re)install jobs when communities appear or a playbook is reloaded."""
        state = self._jobs_state()
        if state == self._jobs_for:
            return
        self._jobs_for = state
        wanted = {job.id: job for job in await self.runtime.jobs()}
        for job_id in self.scheduler.job_ids() - set(wanted):
            self.scheduler.remove(job_id)
            self._shapes.pop(job_id, None)
        for job_id, job in wanted.items():
            shape = trigger_shape(job.trigger)
            if job_id not in self.scheduler.job_ids() or self._shapes.get(job_id) != shape:
                self.scheduler.add(job)
                self._shapes[job_id] = shape

    async def advance_to(self, when: datetime, *, catch_up: timedelta | None = None) -> int:
        """Run what falls due up to `when` (all of it; with `catch_up`, a longer jump skips
        the periodic runs it misses)."""
        if self._jobs_state() != self._jobs_for:
            await self._refresh_jobs()
        return await self.scheduler.advance_to(max(when, self.now), catch_up=catch_up)

    async def advance(self, delta: timedelta) -> int:
        return await self.advance_to(self.now + delta)

    async def feed(self, event: Event) -> Handled:
        await self.advance_to(event.occurred_at, catch_up=self.catch_up)
        handled = await self.runtime.handle(event)
        if self._jobs_state() != self._jobs_for:
            await self._refresh_jobs()
        return handled
