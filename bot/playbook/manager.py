"""Keeps the running playbook; reloads on command or file change, never to an invalid one.

A reload reads and checks the file on a worker thread with a time budget, so a slow or hostile
file never freezes the event loop (the bot goes on answering while it is checked), and the file
watcher survives any error: a bad edit is reported and the old playbook keeps running, and the
next valid edit is applied."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.playbook.loader import PlaybookInvalid, load_playbook

log = logging.getLogger(__name__)

RELOAD_SECONDS = 10.0  # a playbook within the limits (docs/limits.md) checks in well under 1 s


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    message: str


class PlaybookManager:
    def __init__(
        self, path: str | Path, model: type[BaseModel], *, budget: float = RELOAD_SECONDS
    ) -> None:
        self.path = Path(path)
        self.model = model
        self.budget = budget
        self.current: Any = load_playbook(self.path, model)  # the first load must succeed
        self.version = 1

    def reload(self, *, log_failure: bool = True) -> ReloadResult:
        """Read and check the file now, on the calling thread (the CLI, a worker thread)."""
        return self._apply(self._check(), log_failure)

    async def reload_async(self, *, log_failure: bool = True) -> ReloadResult:
        """Read and check the file on a worker thread within `budget` seconds; the event loop
        keeps serving meanwhile. Past the budget the old playbook keeps running."""
        try:
            checked = await asyncio.wait_for(asyncio.to_thread(self._check), self.budget)
        except TimeoutError:
            message = (
                f"{self.path}: checking took longer than {self.budget:g}s; the old playbook "
                "keeps running (is the file within the limits of docs/limits.md?)"
            )
            return self._apply(ReloadResult(False, message), log_failure)
        return self._apply(checked, log_failure)

    def _check(self) -> Any:
        """The new playbook, or the ReloadResult saying why not. Never raises: whatever goes
        wrong in reading or checking, the running playbook stays."""
        try:
            return load_playbook(self.path, self.model)
        except PlaybookInvalid as exc:
            return ReloadResult(False, str(exc))
        except Exception as exc:  # noqa: BLE001 - a reload must never take the bot down
            log.exception("playbook %s could not be checked; keeping the running one", self.path)
            return ReloadResult(False, f"{self.path}: could not be checked ({exc!r})")

    def _apply(self, checked: Any, log_failure: bool) -> ReloadResult:
        if isinstance(checked, ReloadResult):
            if log_failure and not checked.ok:
                log.error(
                    "playbook %s not reloaded; keeping the running one:\n%s",
                    self.path,
                    checked.message,
                )
            return checked
        self.current = checked
        self.version += 1
        log.info("playbook %s reloaded (version %d)", self.path, self.version)
        return ReloadResult(True, f"reloaded {self.path}")

    async def watch(
        self,
        on_reload: Callable[[ReloadResult], Any] | None = None,
        stop: asyncio.Event | None = None,
        *,
        retry_seconds: float = 1.0,
    ) -> None:
        """Reload whenever the file changes (editors often replace the file: watch the folder).
        Nothing that goes wrong — a bad file, a failing callback, the folder briefly gone —
        ends the watching; only `stop` (or cancelling the task) does."""
        from watchfiles import awatch

        target = self.path.resolve()
        while stop is None or not stop.is_set():
            try:
                async for changes in awatch(self.path.parent, stop_event=stop, debounce=300):
                    if not any(Path(p).resolve() == target for _, p in changes):
                        continue
                    try:
                        # a caller given the result tells it; logging too would say it twice
                        result = await self.reload_async(log_failure=on_reload is None)
                    except Exception as exc:  # noqa: BLE001 - reported, and the old one stays
                        log.exception("playbook %s could not be reloaded", self.path)
                        result = ReloadResult(False, f"{self.path}: could not be checked ({exc!r})")
                    if on_reload is not None:
                        try:
                            on_reload(result)
                        except Exception:  # noqa: BLE001 - a callback's bug is not the watcher's
                            log.exception("playbook reload callback failed")
                return  # awatch ends only when `stop` is set
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep watching whatever happened
                log.exception("playbook watcher for %s failed; watching again", self.path)
                await asyncio.sleep(retry_seconds)
