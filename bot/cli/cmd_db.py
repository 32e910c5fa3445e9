"""`qunbot db upgrade|current`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from bot.cli.common import run_async
from bot.store import db

DEFAULT_DB = "sqlite:///data/qunbot.db"


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
    app.add_typer(group, name="db")

    @group.command("upgrade")
    def upgrade(url: str = typer.Option(DEFAULT_DB, "--db", help="database URL")) -> None:
        """Bring the database schema to the newest version."""

        async def go() -> set[str]:
            engine = db.create_engine(url)
            try:
                await db.check_reachable(engine)
                await db.upgrade(engine)
                return await db.current_revisions(engine)
            finally:
                await engine.dispose()

        revisions = run_async(go())
        Console().print(f"database at {', '.join(sorted(revisions))} (newest)")

    @group.command("current")
    def current(url: str = typer.Option(DEFAULT_DB, "--db", help="database URL")) -> None:
        """Show the schema version of the database and whether it is the newest."""

        async def go() -> set[str]:
            engine = db.create_engine(url)
            try:
                await db.check_reachable(engine)
                return await db.current_revisions(engine)
            finally:
                await engine.dispose()

        revisions = run_async(go())
        heads = db.head_revisions()
        state = "newest" if revisions == heads else f"behind: run `qunbot db upgrade --db {url}`"
        Console().print(f"{', '.join(sorted(revisions)) or 'empty'} ({state})")
