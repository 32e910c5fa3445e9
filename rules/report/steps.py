"""State changes of the weekly report: draw the chart files, remember the posted period."""

from __future__ import annotations

import asyncio
import atexit
import functools
import io
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bot.actions import Action, Post
from bot.reports.drawing import Charts, draw
from bot.reports.model import Report, _frozen_map
from bot.rule import ApplyContext, Patch

log = logging.getLogger(__name__)

STATE_KEY = "report.weekly"
# One drawing process: each holds ~110 MB at start and ~170 MB after drawing (matplotlib, the
# CJK font), so a second one for side-by-side drawing would cost more memory than it saves time.
_DRAWERS = 1
# It exits after this long without a request: reports are weekly, so matplotlib is resident
# only around them (a Monday batch of many communities' reports reuses one process)
IDLE_SECONDS = 120.0


class _ReportPickler(pickle.Pickler):
    """A report's read-only mappings travel as dicts and are frozen again on arrival."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, MappingProxyType):
            return _frozen_map, (dict(obj),)
        return NotImplemented


def _pickled(report: Report) -> bytes:
    out = io.BytesIO()
    _ReportPickler(out).dump(report)
    return out.getvalue()


class _Drawer:
    """One drawing process (bot/reports/drawing.py), started on first use and closed after
    `IDLE_SECONDS` without a request; one request at a time. Its blocking pipe I/O runs in a
    worker thread, not on the loop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.used = 0.0  # time.monotonic() of the last start or request
        self.timer: threading.Timer | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self.lock:
            return self._running()

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = _start_drawer()
        self._keep()
        return self.process

    def _keep(self) -> None:
        """(Re)arm the idle timer: the process exits `IDLE_SECONDS` after its last use."""
        self.used = time.monotonic()
        if self.timer is not None:
            self.timer.cancel()
        self.timer = threading.Timer(IDLE_SECONDS, self._close_if_idle)
        self.timer.daemon = True  # never keeps the bot from exiting
        self.timer.start()

    def _close_if_idle(self) -> None:
        with self.lock:  # a request in flight holds the lock: never closed under it
            if time.monotonic() - self.used >= IDLE_SECONDS - 0.01:
                self.close()

    def draw(self, report: bytes, language: str, charts: Charts) -> None:
        with self.lock:
            process = self._running()
            assert process.stdin is not None and process.stdout is not None
            try:
                pickle.dump((report, language, charts), process.stdin)
                process.stdin.flush()
                answer = pickle.load(process.stdout)
            except (OSError, EOFError, pickle.UnpicklingError):
                self.close()  # a new one next time
                raise
            self._keep()
            if answer is not None:
                raise RuntimeError(answer)

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.stdin is not None:
            try:
                process.stdin.close()  # its end of file: it exits
                process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()


def _start_drawer() -> subprocess.Popen[bytes]:
    # the bot's import path, so the child draws with the same code (a script may set it)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.reports.drawing"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )


@functools.cache
def _drawers() -> tuple[_Drawer, ...]:
    """The process's drawing processes: a process-wide resource like matplotlib's own state,
    shared by every community's report and closed when the bot exits."""
    drawers = tuple(_Drawer() for _ in range(_DRAWERS))
    for drawer in drawers:
        atexit.register(drawer.close)
    return drawers


def start_drawing() -> None:
    """Start the drawing processes now (they load matplotlib while the week is measured)."""
    for drawer in _drawers():
        drawer.start()


async def draw_apart(report: Report, language: str, charts: Charts) -> None:
    """The charts shared out among the drawing processes and drawn at once; a share whose
    process fails is drawn in a thread of this one."""
    data = _pickled(report)
    drawers = _drawers()
    shares = [charts[i :: len(drawers)] for i in range(len(drawers))]

    async def one(drawer: _Drawer, share: Charts) -> None:
        try:
            await asyncio.to_thread(drawer.draw, data, language, share)
        except Exception as exc:
            log.warning("a chart drawing process failed (%s); drawing here", exc)
            await asyncio.to_thread(draw, report, language, share)

    await asyncio.gather(*(one(d, s) for d, s in zip(drawers, shares, strict=True) if s))


@dataclass(frozen=True, slots=True)
class RenderCharts(Patch):
    """Start drawing the charts; the chart posts wait for it (`pending`) in the background,
    the text and the job do not (the executor runs actions from the first pending one later)."""

    report: Report
    language: str
    charts: Charts
    # the drawing started by `apply` (a holder: the patch itself is immutable)
    drawing: list[asyncio.Task[None]] = field(default_factory=list, compare=False, repr=False)

    async def apply(self, ctx: ApplyContext) -> None:
        self.drawing.append(asyncio.create_task(self._draw(ctx.community.key)))

    async def _draw(self, community: str) -> None:
        try:
            await draw_apart(self.report, self.language, self.charts)
        except Exception:  # a broken chart must not stop the text report from being posted
            log.exception("could not draw the report charts for %s", community)

    def pending(self, action: Action) -> asyncio.Task[None] | None:
        """The drawing a chart's post waits for (None: not one of these charts, or not drawn)."""
        if not self.drawing or not isinstance(action, Post) or action.image is None:
            return None
        return self.drawing[-1] if any(action.image == p for _, p in self.charts) else None


@dataclass(frozen=True, slots=True)
class MarkPosted(Patch):
    """Remember the period, so a restart or a second scheduler run never posts it twice."""

    period: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.set_state(ctx.community, STATE_KEY, {"period": self.period}, self.at)
