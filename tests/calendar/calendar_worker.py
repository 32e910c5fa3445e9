"""One bot process for the two-process tests: `python -m tests.calendar.calendar_worker DB
PLAYBOOK OUT [COMMUNITIES]`. It prints "imported", waits for PLAYBOOK to exist, prints "ready" once
it runs, serves COMMUNITIES (comma-separated, default c1; as a Discord process serves its shards'
guilds) and appends every post it makes to OUT (JSON lines with its pid and the community);
SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from adapters.recording import RecordingAdapter
from bot.actions import Action
from bot.adapter import ActionResult
from bot.app import build_runtime
from bot.clock import SystemClock
from bot.service import serve


@dataclass
class FileAdapter(RecordingAdapter):
    out: Path = Path("posts.jsonl")
    served: frozenset[str] = frozenset({"c1"})

    def serves(self, community_id: str) -> bool:
        return community_id in self.served

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        line = json.dumps(
            {
                "pid": os.getpid(),
                "community": community_id,
                "text": action.text_shown,
                "t": time.time(),
            }
        )
        with self.out.open("a", encoding="utf-8") as f:  # one short append per post
            f.write(line + "\n")
        return ActionResult(ref=f"{os.getpid()}-{time.time_ns()}")


async def main(db_url: str, playbook: str, out: str, served: str = "c1") -> None:
    # the slow part (imports) is done: the test writes the playbook, with post times measured
    # from now, only once both workers got here — so a loaded machine cannot make posts late
    print("imported", flush=True)
    while not Path(playbook).exists():
        await asyncio.sleep(0.05)
    adapter = FileAdapter(platform="test", out=Path(out), served=frozenset(served.split(",")))
    runtime = await build_runtime(
        db_url=db_url, playbook=playbook, adapters={"test": adapter}, migrate=False
    )
    for community in sorted(adapter.served):
        await runtime.store.community("test", community)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await serve(
        runtime,
        {"test": adapter},
        clock=SystemClock(),
        poll_seconds=0.5,
        stop_event=stop,
        flush_seconds=0.5,
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format=f"{os.getpid()} %(name)s: %(message)s")
    asyncio.run(main(*sys.argv[1:5]))
