"""The production service loop behind `qunbot run`.

- the adapters are started with the runtime as their event sink, and stopped at the end;
- the store's write-behind buffer is flushed every `flush_seconds`, and once more on stop;
- the scheduler (calendar posts, due SOP steps, every capability's periodic jobs) runs ONLY while
  this process holds the leader lock: on PostgreSQL one process of many (a follower takes over
  within `poll_seconds` when the leader dies), on SQLite the one process.

The lock is the first fence; the second is in the jobs themselves: a calendar post is recorded
under a unique key before it is sent, so even two overlapping leaders cannot post it twice.
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
from bot.store.leader import LeaderLock

log = logging.getLogger(__name__)

LEADER_LOCK = "scheduler"


class _Leading:
    """The scheduler of a leading process: jobs (re)installed from the runtime, runs tracked so
    stepping down waits for the job that is running instead of cutting it off."""

    def __init__(self, runtime: Runtime, clock: Clock, poll_seconds: float) -> None:
        self.runtime = runtime
        self.scheduler = RealScheduler(clock, poll=poll_seconds)
        self.poll_seconds = poll_seconds
        self._installed: dict[str, str] = {}  # job id → its trigger, to notice edits
        self._state: tuple[object, ...] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._refresher: asyncio.Task[None] | None = None

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

    async def refresh(self) -> None:
        """Install jobs for new communities and reloaded playbooks: an edited job is replaced,
        a removed one disappears, an unchanged one keeps its schedule."""
        state = (
            len(await self.runtime.store.communities()),
            tuple(m.version for m in self.runtime.playbooks.managers()),
        )
        if state == self._state:
            return
        self._state = state
        wanted = {job.id: job for job in await self.runtime.jobs()}
        for job_id in set(self._installed) - set(wanted):
            self.scheduler.remove(job_id)
            del self._installed[job_id]
        for job_id, job in wanted.items():
            shape = trigger_shape(job.trigger)
            if self._installed.get(job_id) != shape:
                self.scheduler.add(self._tracked(job))
                self._installed[job_id] = shape
        log.info("scheduler: %d jobs installed", len(self._installed))

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh()
            except Exception:  # the database may be briefly away; try again next round
                log.exception("scheduler: could not refresh jobs")

    async def start(self) -> None:
        await self.refresh()
        self.scheduler.start()
        self._refresher = asyncio.create_task(self._refresh_forever(), name="qunbot-jobs")
        log.info("scheduler started (this process leads)")

    async def stop(self) -> None:
        if self._refresher:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        self.scheduler.shutdown()
        if self._running:  # let a post in flight finish and settle before the lock goes
            await asyncio.wait(set(self._running), timeout=30)
        log.info("scheduler stopped")


async def _flush_forever(runtime: Runtime, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await runtime.store.flush()
        except Exception:  # the counts stay buffered (the store merges them back)
            log.exception("store: flush failed; will retry")


async def serve(
    runtime: Runtime,
    adapters: Mapping[str, Adapter],
    *,
    clock: Clock,
    poll_seconds: float = 5.0,
    stop_event: asyncio.Event,
    flush_seconds: float = 2.0,
    start_adapters: bool = True,
    lock_name: str = LEADER_LOCK,
) -> None:
    """Run until `stop_event` is set; then stop the scheduler, the adapters, flush and close
    the store. `poll_seconds` is both how often a follower tries to take over and how often the
    leader looks for new communities and reloaded playbooks."""
    lock = LeaderLock(runtime.store.engine, lock_name)
    leading: _Leading | None = None

    async def elected() -> None:
        nonlocal leading
        leading = _Leading(runtime, clock, poll_seconds)
        await leading.start()

    async def lost() -> None:
        nonlocal leading
        if leading is not None:
            await leading.stop()
            leading = None

    started: list[Adapter] = []
    flusher = asyncio.create_task(_flush_forever(runtime, flush_seconds), name="qunbot-flush")
    try:
        if start_adapters:
            for adapter in adapters.values():
                await adapter.start(runtime.handle, runtime.commands)
                started.append(adapter)
        await lock.run_as_leader(elected, lost, poll_seconds, stop=stop_event)
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await lost()
        for adapter in reversed(started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("could not stop the %s adapter cleanly", adapter.platform)
        await lock.close()
        await runtime.store.close()  # flushes the write-behind buffer first
