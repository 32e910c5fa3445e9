"""The ownership tests' fixture: two processes on one database."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.recording import RecordingAdapter
from bot.app import build_runtime
from tests.ownership.processes import PLATFORM, Process


@pytest.fixture
async def two(db_url: str, tmp_path: Path):
    """`await two(playbook_yaml)` → two processes (runtimes) on one database."""
    made: list[Process] = []

    async def start(playbook_yaml: str) -> tuple[Process, Process]:
        playbook = tmp_path / "playbook.yaml"
        playbook.write_text(playbook_yaml, encoding="utf-8")
        for _ in range(2):
            adapter = RecordingAdapter(platform=PLATFORM)
            runtime = await build_runtime(
                db_url=db_url, playbook=playbook, adapters={PLATFORM: adapter}
            )
            made.append(Process(runtime, adapter))
        return made[0], made[1]

    yield start
    for process in made:
        await process.runtime.store.close()
