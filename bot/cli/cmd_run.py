"""`qunbot run` (the bot, per config) and `qunbot console` (chat with it in the terminal)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from bot.cli.common import configure_logging, fail, playbook_option, resolve_playbook, run_async

DEFAULT_DB = "sqlite:///data/qunbot.db"
CLOCK_KEY = "console.clock"  # the console's simulated time, kept with the session's data


def console_db(playbook: Path) -> str:
    """The console's own database for a playbook: data/console-<playbook name>.db, so sessions
    of different playbooks never share members, cases or weekly posts."""
    stem = re.sub(r"[^\w.-]+", "-", playbook.stem).strip("-") or "playbook"
    return f"sqlite:///data/console-{stem}.db"


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for memory or another database)."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            name = url[len(prefix) :].split("?", 1)[0]
            return None if name in ("", ":memory:") else Path(name)
    return None


def start_fresh(url: str) -> None:
    """--fresh: delete the session's SQLite file (and its WAL side files)."""
    file = sqlite_file(url)
    if file is None:
        fail(
            f"--fresh deletes an SQLite file, and {url} is not one: drop that database yourself, "
            "or leave out --db to use the console's own file"
        )
    for path in (file, Path(f"{file}-wal"), Path(f"{file}-shm")):
        path.unlink(missing_ok=True)


async def console_main(playbook: Path, db_url: str, community: str) -> None:
    import asyncio
    from datetime import datetime

    from adapters.console import PLATFORM, ConsoleAdapter, run_console
    from bot.app import build_runtime
    from bot.clock import OffsetClock
    from bot.simulation import Simulation

    clock = OffsetClock()
    runtime = await build_runtime(
        db_url=db_url, playbook=playbook, adapters={PLATFORM: ConsoleAdapter()}
    )
    ref = await runtime.store.community(PLATFORM, community)
    saved = await runtime.store.get_state(ref, CLOCK_KEY)
    if saved and saved.get("now"):  # resume the simulated time where the last session stopped
        clock.resume(datetime.fromisoformat(saved["now"]))

    async def save_clock() -> None:
        now = clock.now()
        await runtime.store.set_state(ref, CLOCK_KEY, {"now": now.isoformat()}, now)

    watcher = None
    try:

        def reloaded(result: object) -> None:
            print(f"\n   ♻ playbook: {getattr(result, 'message', '')}")

        watcher = asyncio.create_task(runtime.playbooks.default.watch(reloaded))
        await run_console(Simulation(runtime, clock.now()), clock, community, on_time=save_clock)
    finally:
        if watcher:
            watcher.cancel()
        await save_clock()
        await runtime.close()


def register(app: typer.Typer) -> None:
    @app.command("console")
    def console(
        playbook: str = playbook_option(),
        db: str = typer.Option(
            None,
            "--db",
            help="database URL (default: data/console-<playbook>.db, one per playbook)",
        ),
        fresh: bool = typer.Option(
            False, "--fresh", help="start this session's database empty (deletes its file)"
        ),
        community: str = typer.Option("demo", help="the console community's id"),
    ) -> None:
        """Chat with the bot in the terminal: the embedded default, no tokens needed. Each
        playbook keeps its own session (members, cases, simulated time) until --fresh."""
        path = resolve_playbook(playbook)
        url = db or console_db(path)
        if fresh:
            start_fresh(url)
        run_async(console_main(path, url, community))

    @app.command("run")
    def run(
        config: Path = typer.Option(
            None,
            "--config",
            "-c",
            help="deployment config (see config.example.yaml); without it: SQLite + the console",
        ),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="also the libraries' INFO logs (Alembic, discord.py…)"
        ),
    ) -> None:
        """Run the bot as the config says: Discord and/or Telegram (or the console)."""
        from bot.config import ConfigError, load_config

        if config is not None and not config.exists():
            fail(f"{config} does not exist: copy config.example.yaml (or run `qunbot init`)")
        try:
            cfg = load_config(config)
        except ConfigError as exc:
            fail(str(exc))
        base = config.parent if config is not None else None
        playbook = resolve_playbook(cfg.playbook, base=base)
        platforms = [n for n in ("discord", "telegram") if getattr(cfg.adapters, n).enabled]
        if not platforms:
            if config is not None and not cfg.adapters.console.enabled:
                fail(
                    f"{config} enables no platform: set adapters.discord.enabled or "
                    "adapters.telegram.enabled to true (and export the token), or chat with "
                    "the bot in the terminal with `qunbot console`"
                )
            configure_logging(verbose)
            url = cfg.database.url if config is not None else console_db(playbook)
            run_async(console_main(playbook, url, cfg.adapters.console.community))
            return
        from bot.cli.serve import serve_main

        configure_logging(verbose, cfg.log_level)
        run_async(serve_main(cfg, playbook, base))
