"""Keeps the running playbook; reloads on command or file change, never to an invalid one."""

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


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    message: str


class PlaybookManager:
    def __init__(self, path: str | Path, model: type[BaseModel]) -> None:
        self.path = Path(path)
        self.model = model
        self.current: Any = load_playbook(self.path, model)  # the first load must succeed
        self.version = 1

    def reload(self) -> ReloadResult:
        try:
            new = load_playbook(self.path, self.model)
        except PlaybookInvalid as exc:
            log.error("playbook %s not reloaded; keeping the running one:\n%s", self.path, exc)
            return ReloadResult(False, str(exc))
        self.current = new
        self.version += 1
        log.info("playbook %s reloaded (version %d)", self.path, self.version)
        return ReloadResult(True, f"reloaded {self.path}")

    async def watch(
        self,
        on_reload: Callable[[ReloadResult], Any] | None = None,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Reload whenever the file changes (editors often replace the file: watch the folder)."""
        from watchfiles import awatch

        async for changes in awatch(self.path.parent, stop_event=stop, debounce=300):
            if any(Path(p).resolve() == self.path.resolve() for _, p in changes):
                result = self.reload()
                if on_reload:
                    on_reload(result)
