"""`qunbot replay EVENTS.jsonl`: history through the real pipeline, one JSON line per action."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import typer

from bot.cli.common import err, fail, run_async


async def replay_file(
    events: Path, playbook: Path, db_url: str, drain: timedelta, out: typer.models.Any = None
) -> tuple[int, int, int]:
    """Returns (events fed, actions printed, lines skipped)."""
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from bot.replay import PLATFORM, ReplayProblem, outcome_json, read_events
    from bot.simulation import Simulation

    write = out or sys.stdout.write
    runtime = await build_runtime(
        db_url=db_url, playbook=playbook, adapters={PLATFORM: RecordingAdapter()}
    )
    printed = fed = skipped = 0

    def show(ref: object, outcome: object) -> None:
        nonlocal printed
        printed += 1
        write(json.dumps(outcome_json(outcome), ensure_ascii=False) + "\n")  # type: ignore[arg-type]

    runtime.observers.append(show)
    sim: Simulation | None = None
    try:
        with events.open(encoding="utf-8", errors="replace") as handle:
            for number, item in read_events(handle):
                if isinstance(item, ReplayProblem):
                    skipped += 1
                    err.print(
                        f"{events}:{number}: {item.message}; line skipped",
                        markup=False,
                        highlight=False,
                    )
                    continue
                if sim is None:
                    sim = Simulation(runtime, item.occurred_at)
                if item.occurred_at < sim.now:
                    skipped += 1
                    err.print(
                        f"{events}:{number}: time goes back ({item.occurred_at} is before "
                        f"{sim.now}); sort the file by 'at'; line skipped",
                        markup=False,
                        highlight=False,
                    )
                    continue
                await sim.feed(item)
                fed += 1
        if sim is not None and drain:
            await sim.advance(drain)
    finally:
        await runtime.store.close()
    return fed, printed, skipped


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay(
        events: Path = typer.Argument(..., help="JSONL file of events, sorted by time"),
        playbook: Path = typer.Option(Path("playbooks/default.yaml"), "--playbook", "-p"),
        db: str = typer.Option(
            "sqlite:///:memory:", "--db", help="database URL (default: a throw-away in-memory one)"
        ),
        drain: str = typer.Option(
            "0s",
            help="keep the clock running this long after the last "
            "event, e.g. 2d, to see follow-ups",
        ),
    ) -> None:
        """Feed a file of events through the real pipeline on a simulated clock and print each
        action the bot took as one JSON line."""
        from bot.configmodel import parse_duration

        if not events.exists():
            fail(f"{events} does not exist: give a JSONL file with one event per line")
        try:
            drain_for = parse_duration(drain)
        except ValueError as exc:
            fail(f"--drain: {exc}")
        fed, printed, skipped = run_async(replay_file(events, playbook, db, drain_for))
        err.print(
            f"replayed {fed} events, {printed} actions"
            + (f", {skipped} lines skipped" if skipped else ""),
            highlight=False,
        )
