"""`qunbot replay EVENTS.jsonl`: history through the real pipeline, one JSON line per action."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import typer

from bot.cli.common import err, fail, playbook_option, resolve_playbook, run_async
from bot.texts import plural

REPLAY_HELP = """Feed a file of events through the real pipeline on a simulated clock and print
each action the bot took as one JSON line. Format and exit codes: docs/replay.md.

\b
Input: one JSON object per line, in time order, e.g.
  {"at": "2026-03-02T09:00:00Z", "type": "join", "user": "alice"}
  {"at": "2026-03-02T09:01:00Z", "type": "message",
   "user": "alice", "text": "hi"}
  {"at": "2026-03-02T09:02:00Z", "type": "command", "user": "mod",
   "roles": ["moderator"], "command": "warn",
   "args": {"member": "alice", "reason": "spam"}}
type: message, edit, delete, join, leave, reaction, command, button.
Optional: channel, message_id, roles, bot, mentions, reply_to, emoji,
target_user, target_message_id, target_text, custom_id, community.

\b
Output: one JSON object per action, with the keys
  at, action, user, channel, rule, reason, text, status
status: executed, skipped (the platform cannot) or failed.

\b
Exit codes:
  0  every line was replayed
  1  lines were skipped as malformed (named on stderr);
     --skip-bad accepts them and exits 0
  2  the file, playbook or database cannot be used"""


async def replay_file(
    events: Path, playbook: Path, db_url: str, drain: timedelta, out: typer.models.Any = None
) -> tuple[int, int, int]:
    """Returns (events fed, actions printed, lines skipped)."""
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from bot.replay import PLATFORM, ReplayProblem, outcome_json, read_events
    from bot.simulation import CATCH_UP, Simulation

    write = out or sys.stdout.write
    runtime = await build_runtime(
        db_url=db_url, playbook=playbook, adapters={PLATFORM: RecordingAdapter()}
    )
    # a replay database is history, rerun at any time: its event keys are never pruned
    runtime.store.processed.retention = None
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
        missed = sum(sim.scheduler.skipped.values()) if sim is not None else 0
        if missed:
            err.print(
                f"{plural(missed, 'scheduled run')} skipped as missed: the clock jumped more "
                f"than {CATCH_UP.days} days between two events (downtime; see docs/replay.md)",
                highlight=False,
            )
    finally:
        await runtime.close()  # the charts still being drawn are posted (and printed) first
    return fed, printed, skipped


def register(app: typer.Typer) -> None:
    @app.command("replay", help=REPLAY_HELP)
    def replay(
        events: Path = typer.Argument(..., help="JSONL file of events, sorted by time"),
        playbook: str = playbook_option(),
        db: str = typer.Option(
            "sqlite:///:memory:", "--db", help="database URL (default: a throw-away in-memory one)"
        ),
        drain: str = typer.Option(
            "0s",
            help="keep the clock running this long after the last "
            "event, e.g. 2d, to see follow-ups",
        ),
        skip_bad: bool = typer.Option(
            False, "--skip-bad", help="exit 0 even when malformed lines were skipped"
        ),
    ) -> None:
        from bot.configmodel import parse_duration

        if not events.exists():
            fail(f"{events} does not exist: give a JSONL file with one event per line")
        try:
            drain_for = parse_duration(drain)
        except ValueError as exc:
            fail(f"--drain: {exc}")
        path = resolve_playbook(playbook)
        fed, printed, skipped = run_async(replay_file(events, path, db, drain_for))
        err.print(
            f"replayed {plural(fed, 'event')}, {plural(printed, 'action')}"
            + (f", {plural(skipped, 'line')} skipped" if skipped else ""),
            highlight=False,
        )
        if skipped and not skip_bad:
            err.print(
                f"exit code 1: {plural(skipped, 'line was', 'lines were')} skipped (see above); "
                "fix them, or pass --skip-bad to accept skipped lines",
                highlight=False,
            )
            raise typer.Exit(1)
