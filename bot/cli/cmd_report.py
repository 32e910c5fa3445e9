"""`qunbot report`: the community health report for any period, for operators."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import err, fail, playbook_option, resolve_playbook, run_async

DEFAULT_DB = "sqlite:///data/qunbot.db"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected a date such as 2026-03-02, got {value!r}")


def load_playbook_model(path: Path) -> Any:
    from bot.app import playbook_model
    from bot.playbook import PlaybookInvalid
    from bot.playbook.loader import load_playbook

    try:
        return load_playbook(path, playbook_model())
    except PlaybookInvalid as exc:
        fail("the playbook is not valid:\n" + str(exc))


def check_database(url: str) -> None:
    """A missing SQLite file is a question of where the data is, not an empty report."""
    from bot.cli.cmd_run import sqlite_file

    file = sqlite_file(url)
    if file is None or file.exists():
        return
    sessions = sorted(file.parent.glob("console-*.db")) + sorted(Path(".").glob("*/demo.db"))
    hint = (
        "; databases found here: " + ", ".join(f"--db sqlite:///{p}" for p in sessions)
        if sessions
        else "; run the bot first (`qunbot console`, `qunbot run` or `qunbot demo`)"
    )
    fail(f"there is no database at {file} (from --db {url}){hint}", code=1)


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
        date_to: str | None = typer.Option(
            None, "--to", help="last local day, inclusive (today at the latest)"
        ),
        fmt: str = typer.Option("md", "--format", "-f", help="md | json | png | html"),
        out: Path | None = typer.Option(
            None,
            "--out",
            "-o",
            help="folder to write files into (png and html need one; md and json print "
            "to the terminal without it)",
        ),
        db: str = typer.Option(DEFAULT_DB, "--db", help="database URL"),
        playbook: str = playbook_option("the community's playbook (timezone, score settings)"),
        language: str | None = typer.Option(None, "--language", help="en | zh"),
        simulated: bool = typer.Option(
            False,
            "--simulated",
            help="allow days after today: data of a simulated clock (console /time, replays)",
        ),
    ) -> None:
        """The community health report (metrics, score, suggestions, charts) for any period."""
        from bot.reports.collect import FORMATS, write_report
        from bot.reports.render import render_json, render_markdown

        if fmt not in FORMATS:
            fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if language not in (None, "en", "zh"):
            fail("--language must be en or zh")
        start, end = _day(date_from, "--from"), _day(date_to, "--to")
        if out is None and fmt in ("png", "html"):
            fail(f"--format {fmt} writes files: say where with --out FOLDER (e.g. --out reports)")
        model = load_playbook_model(resolve_playbook(playbook))
        now = datetime.now(UTC)
        today = now.astimezone(model.community.tz).date()
        latest = max(d for d in (start, end, today) if d is not None)
        if latest > today:
            if not simulated:
                fail(
                    f"the period ends {latest}, after today ({today} in "
                    f"{model.community.timezone}): nothing has happened there yet. Choose days "
                    "up to today, or add --simulated for data made on a simulated clock "
                    "(console /time, replays)"
                )
            # the simulated clock went past the period: measure it as complete
            now = datetime.combine(latest + timedelta(days=1), time(), tzinfo=model.community.tz)
        check_database(db)
        result = run_async(build(db, model, community, start, end, now, language))
        if out is None:
            sys.stdout.write(render_markdown(result) if fmt == "md" else render_json(result) + "\n")
            return
        folder = out
        written = write_report(result, folder, (fmt,))
        for path in written.values():
            err.print(f"wrote {path}", highlight=False, markup=False)
        if not written:
            err.print("nothing to draw: the period has no data", highlight=False)
