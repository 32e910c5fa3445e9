"""`qunbot run` (the bot, per config) and `qunbot console` (chat with it in the terminal)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from bot.cli.common import fail, run_async

DEFAULT_DB = "sqlite:///data/qunbot.db"


async def console_main(playbook: Path, db_url: str, community: str) -> None:
    from adapters.console import PLATFORM, ConsoleAdapter, run_console
    from bot.app import build_runtime
    from bot.clock import OffsetClock
    from bot.simulation import Simulation

    clock = OffsetClock()
    runtime = await build_runtime(
        db_url=db_url, playbook=playbook, adapters={PLATFORM: ConsoleAdapter()}
    )
    watcher = None
    try:
        import asyncio

        def reloaded(result: object) -> None:
            print(f"\n   ♻ playbook: {getattr(result, 'message', '')}")

        watcher = asyncio.create_task(runtime.playbooks.default.watch(reloaded))
        await run_console(Simulation(runtime, clock.now()), clock, community)
    finally:
        if watcher:
            watcher.cancel()
        await runtime.store.close()


def register(app: typer.Typer) -> None:
    @app.command("console")
    def console(
        playbook: Path = typer.Option(Path("playbooks/default.yaml"), "--playbook", "-p"),
        db: str = typer.Option(DEFAULT_DB, "--db", help="database URL"),
        community: str = typer.Option("demo", help="the console community's id"),
    ) -> None:
        """Chat with the bot in the terminal: the embedded default, no tokens needed."""
        run_async(console_main(playbook, db, community))

    @app.command("run")
    def run(
        config: Path = typer.Option(
            None,
            "--config",
            "-c",
            help="deployment config (see config.example.yaml); without it: SQLite + the console",
        ),
    ) -> None:
        """Run the bot as the config says: Discord, Telegram and/or the console."""
        from bot.config import ConfigError, load_config

        if config is not None and not config.exists():
            fail(f"{config} does not exist: copy config.example.yaml and edit it")
        try:
            cfg = load_config(config)
        except ConfigError as exc:
            fail(str(exc))
        platforms = [n for n in ("discord", "telegram") if getattr(cfg.adapters, n).enabled]
        if not platforms:
            run_async(
                console_main(Path(cfg.playbook), cfg.database.url, cfg.adapters.console.community)
            )
            return
        from bot.cli.serve import serve_main

        logging.getLogger().setLevel(cfg.log_level)

        run_async(serve_main(cfg))
