"""`qunbot calendar FILE [--month YYYY-MM] [--db URL --community C]`: the month's posts as a
table, to check a playbook.

Pool topics: which topic a post gets depends on what the community was already shown (and on
the community, which seeds the order). Without a database the table shows the topic only when the
pool has one item, else "(rotating: N topics)"; with `--db` it shows the topic each post was
given, or will be given if every post until then goes out as planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.common import fail, run_async

NOT_POSTED = "(not posted)"


@dataclass(frozen=True, slots=True)
class PoolForecast:
    """Per occurrence key, the topic a post had or will have (from a community's history)."""

    topics: Mapping[str, str] = field(default_factory=dict)


def rotating_label(pool: list[str]) -> str:
    return pool[0] if len(pool) == 1 else f"(rotating: {len(pool)} topics)"


def month_bounds(playbook: Any, month: date) -> tuple[datetime, datetime]:
    tz = playbook.community.tz
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        datetime.combine(month, time(0), tzinfo=tz).astimezone(UTC),
        datetime.combine(following, time(0), tzinfo=tz).astimezone(UTC),
    )


def month_posts(
    playbook: Any, month: date, forecast: PoolForecast | None = None
) -> list[tuple[datetime, str, str, str]]:
    """(local time, entry, channel, text) of every post in `month`, soonest first."""
    from rules.calendar.occurrences import occurrence_key, occurrences

    tz = playbook.community.tz
    start, end = month_bounds(playbook, month)
    rows = []
    for entry_id, entry in playbook.calendar.entries.items():
        if not entry.enabled:
            continue
        for at in occurrences(entry, tz, start, end):
            local = at.astimezone(tz)
            values = {
                "community": playbook.community.name,
                "date": f"{local:%Y-%m-%d}",
                "time": f"{local:%H:%M}",
                "entry": entry_id,
            }
            if entry.pool:
                known = forecast.topics.get(occurrence_key(entry_id, at)) if forecast else None
                values["topic"] = known or rotating_label(entry.pool)
            text = entry.text.render(values)
            if entry.poll:
                text += f"  📊 {entry.poll.question.render(values)}"
            if entry.image:
                text += f"  🖼 {Path(entry.image).name}"
            rows.append((local, entry_id, entry.channel, text))
    return sorted(rows)


async def forecast_topics(
    db_url: str, community: str | None, playbook: Any, month: date, now: datetime
) -> PoolForecast:
    """Replay each pooled entry's rotation: recorded posts keep the topic they had; posts from
    `now` to the month's end take the next topics in turn, as the scheduler will."""
    from bot.cli.cmd_report import pick_community
    from bot.store import Store
    from rules.calendar import store as calendar_store
    from rules.calendar.occurrences import iter_occurrences, occurrence_key
    from rules.calendar.pool import next_pool_item

    pooled = {k: e for k, e in playbook.calendar.entries.items() if e.enabled and e.pool}
    start, end = month_bounds(playbook, month)
    store = await Store.open(db_url, migrate=False)
    try:
        ref = await pick_community(store, community)
        if ref is None:
            fail(f"{db_url} holds no community yet: leave out --db to check the playbook alone")
        history = await calendar_store.pool_history(store, ref, list(pooled))
        recorded = await calendar_store.occurrences_since(store, ref, start)
    finally:
        await store.close()
    seed = f"{ref.platform}:{ref.external_id}"  # as rules.calendar does
    done = {r.key: r for r in recorded}
    topics: dict[str, str] = {}
    for entry_id, entry in pooled.items():
        used = list(history.get(entry_id, ()))
        for at in iter_occurrences(entry, playbook.community.tz, min(start, now), end):
            key = occurrence_key(entry_id, at)
            if key in done:
                topics[key] = done[key].pool_item or NOT_POSTED
            elif at < now:
                topics[key] = NOT_POSTED
            else:
                item = next_pool_item(entry_id, entry.pool or [], used, seed=seed).item
                used.append(item)
                topics[key] = item
    return PoolForecast(topics)


def register(app: typer.Typer) -> None:
    @app.command("calendar")
    def calendar(
        file: Path = typer.Argument(..., help="playbook YAML file"),
        month: str = typer.Option(None, "--month", "-m", help="YYYY-MM (default: next month)"),
        db: str | None = typer.Option(
            None, "--db", help="database URL: show the pool topic of each post"
        ),
        community: str | None = typer.Option(
            None, "--community", "-c", help="platform:id (or id) of the community, with --db"
        ),
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
        forecast = None
        if db:
            now = datetime.now(UTC)
            forecast = run_async(forecast_topics(db, community, playbook, first, now))
        rows = month_posts(playbook, first, forecast)
        table = Table(title=f"{file} · {first:%Y-%m} · {playbook.community.timezone}")
        for column in ("day", "time", "entry", "channel", "text"):
            table.add_column(column, overflow="fold")
        for local, entry_id, channel, text in rows:
            table.add_row(
                f"{local:%a %d}", f"{local:%H:%M} {local:%Z}", entry_id, f"#{channel}", text
            )
        out.print(table, markup=False)
        out.print(f"{len(rows)} posts")
