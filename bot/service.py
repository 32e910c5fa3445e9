"""The production service loop behind `qunbot run`.

- the adapters are started with the runtime as their event sink, and stopped at the end;
- the store's write-behind buffer is flushed every `flush_seconds`, and once more on stop;
- the scheduler (calendar posts, due SOP steps, every capability's periodic jobs) runs the work
  of the communities this process OWNS only: every `poll_seconds` it takes the leases
  (`bot/store/leases.py`) of the communities its adapters serve (the Discord shards and Telegram
  bots it runs) and that no other process holds, and installs their jobs. A standby configured
  for the same shards or bots takes the leases over when the owner dies. On SQLite the one
  process owns every community it serves.

The leases are the first fence; a job asks `leases.holds` (no I/O) right before it starts, so a
lease lost since the job was installed stops it. The second fence is in the jobs themselves: a
calendar post is recorded under a unique key before it is sent, and steps, reminders and nudges
are claims whose changed-row count is checked, so even two overlapping owners never act twice.
Each claim commits only if the server says, inside its transaction, that our lease session still
holds the lock (`leases.confirm`, `bot/store/fence.py`): a lease lost in the middle of a job
rolls its claim back and leaves the work to the new owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime

from bot.adapter import Adapter
from bot.clock import Clock
from bot.runtime import Runtime
from bot.scheduler import Job, RealScheduler, trigger_shape
from bot.store import CommunityRef
from bot.store.leases import CommunityLeases

log = logging.getLogger(__name__)


class _Owning:
    """The scheduler of the communities this process owns: their jobs (re)installed from the
    runtime, runs tracked so stopping waits for the job that is running instead of cutting it
    off."""

    def __init__(
        self, runtime: Runtime, clock: Clock, poll_seconds: float, leases: CommunityLeases
    ) -> None:
        self.runtime = runtime
        self.leases = leases
        self.scheduler = RealScheduler(clock, poll=poll_seconds)
        self.poll_seconds = poll_seconds
        self._installed: dict[str, str] = {}  # job id → its trigger, to notice edits
        self._state: tuple[object, ...] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def _tracked(self, job: Job) -> Job:
        async def run(when: datetime) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job.run(when)
            finally:
                if task is not None:
                    self._running.discard(task)

        return dataclasses.replace(job, run=run)

    def owns(self, ref: CommunityRef) -> bool:
        return self.leases.holds(ref.id)

    async def refresh(self, held: frozenset[int]) -> None:
        """Install jobs for newly owned communities and reloaded playbooks, remove those of
        communities no longer owned: an edited job is replaced, an unchanged one keeps its
        schedule."""
        state = (held, tuple(m.version for m in self.runtime.playbooks.managers()))
        if state == self._state:
            return
        if self._state is not None and held - self._state[0]:
            # communities taken over from another process: their pending steps are read
            # again (the previous owner scheduled some this process never saw)
            self.runtime.store.steps_changed()
        jobs = await self.runtime.jobs(self.owns, poll=True, confirm=self.leases.confirm)
        wanted = {job.id: job for job in jobs}
        for job_id in set(self._installed) - set(wanted):
            self.scheduler.remove(job_id)
            del self._installed[job_id]
        for job_id, job in wanted.items():
            shape = trigger_shape(job.trigger)
            if self._installed.get(job_id) != shape:
                self.scheduler.add(self._tracked(job))
                self._installed[job_id] = shape
        self._state = state
        log.info("scheduler: %d jobs installed for %d communities", len(self._installed), len(held))

    def start(self) -> None:
        self.scheduler.start()
        log.info("scheduler started")

    async def stop(self) -> None:
        self.scheduler.shutdown()
        if self._running:  # let a post in flight finish and settle before the leases go
            await asyncio.wait(set(self._running), timeout=30)
        log.info("scheduler stopped")


async def _flush_forever(runtime: Runtime, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            # a database that went away is noted once and retried with backoff inside
            await runtime.flush()
        except Exception:  # the counts stay buffered (the store merges them back)
            log.exception("store: flush failed; will retry")


async def _served(runtime: Runtime, adapters: Mapping[str, Adapter]) -> set[int]:
    """The communities in the database that an adapter of this process serves."""
    served: set[int] = set()
    for ref in await runtime.store.communities():
        adapter = adapters.get(ref.platform)
        if adapter is not None and adapter.serves(ref.external_id):
            served.add(ref.id)
    return served


async def serve(
    runtime: Runtime,
    adapters: Mapping[str, Adapter],
    *,
    clock: Clock,
    poll_seconds: float = 5.0,
    stop_event: asyncio.Event,
    flush_seconds: float = 2.0,
    start_adapters: bool = True,
) -> None:
    """Run until `stop_event` is set; then stop the scheduler, release the leases, stop the
    adapters, flush and close the store. Every `poll_seconds` the leases are synced (a standby
    takes over a dead owner's communities) and the jobs follow new communities, lost or won
    leases and reloaded playbooks."""
    leases = CommunityLeases(runtime.store.engine)
    owning = _Owning(runtime, clock, poll_seconds, leases)
    started: list[Adapter] = []
    flusher = asyncio.create_task(_flush_forever(runtime, flush_seconds), name="qunbot-flush")
    try:
        if start_adapters:
            for adapter in adapters.values():
                await adapter.start(runtime.handle, runtime.commands)
                started.append(adapter)
        owning.start()
        while not stop_event.is_set():
            try:
                wanted = await _served(runtime, adapters)
            except Exception:  # the database may be away: confirm (or lose) what is held
                log.exception("scheduler: could not list the communities")
                wanted = set(leases.held)
            try:
                await owning.refresh(frozenset(await leases.sync(wanted)))
            except Exception:  # the database may be briefly away; try again next round
                log.exception("scheduler: could not refresh jobs")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), poll_seconds)
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await owning.stop()  # before the leases go: no standby starts while a job still runs
        await runtime.drain()  # charts still being drawn are posted while the adapters run
        await leases.close()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("could not stop the %s adapter cleanly", adapter.platform)
        await runtime.store.close()  # flushes the write-behind buffer first
