"""`qunbot calendar FILE [--month YYYY-MM]`: the month's posts as a table, to check a playbook."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.common import fail


def month_posts(playbook: Any, month: date) -> list[tuple[datetime, str, str, str]]:
    """(local time, entry, channel, text) of every post in `month`, soonest first. Pool topics
    are shown as `{topic}`: the rotation depends on what was already posted."""
    from rules.calendar.occurrences import occurrences

    tz = playbook.community.tz
    start = datetime.combine(month, time(0), tzinfo=tz)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = datetime.combine(following, time(0), tzinfo=tz)
    rows = []
    cfg = playbook.calendar
    for entry_id, entry in cfg.entries.items():
        if not entry.enabled:
            continue
        for at in occurrences(entry, tz, start.astimezone(UTC), end.astimezone(UTC)):
            local = at.astimezone(tz)
            values = {
                "community": playbook.community.name,
                "date": f"{local:%Y-%m-%d}",
                "time": f"{local:%H:%M}",
                "entry": entry_id,
            }
            text = entry.text.render(values)
            if entry.poll:
                text += f"  📊 {entry.poll.question.render(values)}"
            if entry.image:
                text += f"  🖼 {Path(entry.image).name}"
            rows.append((local, entry_id, entry.channel, text))
    return sorted(rows)


def register(app: typer.Typer) -> None:
    @app.command("calendar")
    def calendar(
        file: Path = typer.Argument(..., help="playbook YAML file"),
        month: str = typer.Option(None, "--month", "-m", help="YYYY-MM (default: next month)"),
    ) -> None:
        """Print a month of calendar posts at their local times, to check a playbook."""
        from bot.app import playbook_model
        from bot.playbook import PlaybookInvalid, load_playbook

        if month:
            try:
                first = datetime.strptime(month, "%Y-%m").date()
            except ValueError:
                fail(f"--month {month!r}: write the month as YYYY-MM, e.g. 2026-12")
        else:
            today = datetime.now(UTC).date()
            first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        try:
            playbook = load_playbook(file, playbook_model())
        except PlaybookInvalid as exc:
            fail("the playbook is not valid:\n" + str(exc))
        out = Console(highlight=False)
        if not playbook.calendar.enabled:
            out.print(f"{file}: the calendar section is missing or disabled")
            return
        rows = month_posts(playbook, first)
        table = Table(title=f"{file} · {first:%Y-%m} · {playbook.community.timezone}")
        for column in ("day", "time", "entry", "channel", "text"):
            table.add_column(column, overflow="fold")
        for local, entry_id, channel, text in rows:
            table.add_row(
                f"{local:%a %d}", f"{local:%H:%M} {local:%Z}", entry_id, f"#{channel}", text
            )
        out.print(table, markup=False)
        out.print(f"{len(rows)} posts")
