"""`qunbot demo`: see what the bot does with real chat history, in one command."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import typer

from bot.cli.common import fail, playbook_option, resolve_playbook, run_async


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        weeks: int = typer.Option(
            3, "--weeks", "-w", min=1, max=12, help="how many weeks of the corpus to replay"
        ),
        start: str = typer.Option(
            "2018-10-01", "--start", help="first day of the window (the corpus covers Apr–Nov 2018)"
        ),
        out: Path = typer.Option(
            Path("demo-output"), "--out", "-o", help="folder for the report files and chart images"
        ),
        playbook: str = playbook_option(),
        db: str = typer.Option(
            None,
            "--db",
            help="database URL (default: OUT/demo.db, made anew each run, for `qunbot report`)",
        ),
        language: str | None = typer.Option(None, "--language", help="report language: en | zh"),
    ) -> None:
        """Replay weeks of a real group chat (PyPI chitchat-dataset) through the playbook on a
        simulated clock, show what the bot did, and end with the weekly health report."""
        from rich.console import Console
        from rich.markdown import Markdown
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
        from rich.table import Table

        from bot.reports.demo import load_corpus, run_demo
        from bot.reports.render import render_markdown

        console = Console()
        try:
            first = date.fromisoformat(start)
        except ValueError:
            fail(f"--start: expected a date such as 2018-10-01, got {start!r}")
        if language not in (None, "en", "zh"):
            fail("--language must be en or zh")
        path = resolve_playbook(playbook)
        if db is None:
            out.mkdir(parents=True, exist_ok=True)
            for old in (out / "demo.db", out / "demo.db-wal", out / "demo.db-shm"):
                old.unlink(missing_ok=True)
            db = f"sqlite:///{out / 'demo.db'}"

        began = time.perf_counter()
        with console.status("loading the chat corpus (258k messages)…"):
            try:
                corpus = load_corpus()
            except ModuleNotFoundError:
                fail(
                    "the demo replays the chat corpus of the PyPI package chitchat-dataset, "
                    "which is not installed: pip install 'qunbot[demo]' (or chitchat-dataset)"
                )
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task(f"replaying {weeks} week(s) from {first}", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            stats, report, written = run_async(
                run_demo(
                    playbook=path,
                    out_dir=out,
                    start=first,
                    weeks=weeks,
                    db_url=db,
                    language=language,
                    progress=progress,
                    corpus=corpus,
                )
            )
        elapsed = time.perf_counter() - began
        if not stats.messages:
            fail(
                f"the corpus has no messages in {weeks} week(s) from {first}; it covers "
                "2018-04-05 to 2018-05-20 and 2018-09-10 to 2018-11-18",
                code=1,
            )

        console.print(
            f"\n[bold]Replayed[/] {stats.messages:,} messages and {stats.joins:,} joins "
            f"in {elapsed:.1f} s; the bot took {sum(stats.by_kind.values()):,} actions.",
            highlight=False,
        )
        kinds = Table("action", "count", title="What the bot did")
        for kind, count in stats.by_kind.most_common():
            kinds.add_row(kind, f"{count:,}")
        rules = Table("rule", "actions", title="Which rules acted")
        for rule, count in stats.by_rule.most_common():
            rules.add_row(rule, f"{count:,}")
        console.print(kinds, rules)
        console.print(f"Weekly reports the bot posted to the moderators: {len(stats.weekly_posts)}")
        console.print(Markdown(render_markdown(report)))
        console.print(f"[bold]Files[/] in {out}/ (weekly posts' charts in {out}/weekly/):")
        for file in written.values():
            console.print(f"  {file}", highlight=False)
        last = first + timedelta(days=7 * weeks - 1)
        console.print(
            f"See it again, for any period: qunbot report --db {db} --from {first} --to {last}"
            f"{'' if playbook is None else f' --playbook {path}'}",
            highlight=False,
        )
