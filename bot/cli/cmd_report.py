"""`qunbot report`: the community health report for any period, for operators."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import err, fail, run_async

DEFAULT_DB = "sqlite:///data/qunbot.db"
DEFAULT_PLAYBOOK = Path("playbooks/default.yaml")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected a date such as 2026-03-02, got {value!r}")


def load_playbook_model(path: Path) -> Any:
    from bot.app import playbook_model
    from bot.playbook.loader import load_playbook

    if not path.exists():
        fail(f"{path} does not exist: give the playbook the community runs with (--playbook)")
    return load_playbook(path, playbook_model())


async def pick_community(store: Any, wanted: str | None) -> Any:
    """`platform:id`, or just the id when it is unique; the only community when not given."""
    refs = await store.communities()
    if not refs:
        return None
    if wanted is None:
        if len(refs) > 1:
            names = ", ".join(f"{r.platform}:{r.external_id}" for r in refs)
            fail(f"this database holds several communities; choose one with --community ({names})")
        return refs[0]
    platform, _, external = wanted.rpartition(":")
    matches = [r for r in refs if r.external_id == external and platform in ("", r.platform)]
    if len(matches) != 1:
        names = ", ".join(f"{r.platform}:{r.external_id}" for r in refs)
        fail(f"no single community {wanted!r} in this database; known: {names}")
    return matches[0]


async def build(
    db_url: str,
    playbook: Any,
    community: str | None,
    start: date | None,
    end: date | None,
    now: datetime,
    language: str | None,
) -> Any:
    from bot.reports.collect import last_full_week, make_report, measure, tier_ladder
    from bot.reports.model import PeriodMetrics, Report
    from bot.reports.score import build_report
    from bot.store import Store

    settings = playbook.community
    section = getattr(playbook, "report", None)
    health = section.health if section is not None else None
    top = section.top_contributors if section is not None else 5
    lang = language or (section.language if section is not None else None) or settings.language
    tz = settings.tz
    default_start, default_end = last_full_week(now, tz)
    start, end = start or default_start, end or default_end
    if end < start:
        fail(f"--to {end} is before --from {start}")
    store = await Store.open(db_url, migrate=False)
    try:
        ref = await pick_community(store, community)
        if ref is None:  # an empty database: a report that says so
            empty = PeriodMetrics(
                community=settings.name,
                period_start=start,
                period_end=end,
                timezone=settings.timezone,
                coverage="empty",
            )
            return build_report(empty, None, health, lang)
        pair = await measure(
            store,
            ref,
            start,
            end,
            tz=tz,
            now=now,
            community_name=settings.name,
            top=top,
            tiers=tier_ladder(playbook),
        )
    finally:
        await store.close()
    report: Report = make_report(pair, health, lang)
    return report


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        community: str | None = typer.Option(
            None, "--community", "-c", help="platform:id (or id) of the community"
        ),
        date_from: str | None = typer.Option(
            None, "--from", help="first local day, e.g. 2026-03-02 (default: last full week)"
        ),
        date_to: str | None = typer.Option(None, "--to", help="last local day, inclusive"),
        fmt: str = typer.Option("md", "--format", "-f", help="md | json | png | html"),
        out: Path | None = typer.Option(
            None,
            "--out",
            "-o",
            help="folder to write files into (png needs one; md/json print "
            "to the terminal without it)",
        ),
        db: str = typer.Option(DEFAULT_DB, "--db", help="database URL"),
        playbook: Path = typer.Option(
            DEFAULT_PLAYBOOK,
            "--playbook",
            "-p",
            help="the community's playbook (timezone, score settings)",
        ),
        language: str | None = typer.Option(None, "--language", help="en | zh"),
    ) -> None:
        """The community health report (metrics, score, suggestions, charts) for any period."""
        from bot.reports.collect import FORMATS, write_report
        from bot.reports.render import render_json, render_markdown

        if fmt not in FORMATS:
            fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if language not in (None, "en", "zh"):
            fail("--language must be en or zh")
        start, end = _day(date_from, "--from"), _day(date_to, "--to")
        model = load_playbook_model(playbook)
        now = datetime.now(UTC)
        result = run_async(build(db, model, community, start, end, now, language))
        if out is None and fmt in ("md", "json"):
            sys.stdout.write(render_markdown(result) if fmt == "md" else render_json(result) + "\n")
            return
        folder = out or Path("reports")
        written = write_report(result, folder, (fmt,))
        for path in written.values():
            err.print(f"wrote {path}", highlight=False, markup=False)
        if not written:
            err.print("nothing to draw: the period has no data", highlight=False)
