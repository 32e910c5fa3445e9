"""`qunbot web`: the operator's dashboard on its own (the bot may run in another process on the
same database; `web.enabled` in the config serves it from `qunbot run` instead)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from bot.cli.common import fail, run_async


async def web_main(config: Path | None, db: str | None, host: str | None, port: int | None) -> None:
    from bot.app import build_runtime
    from bot.config import load_config
    from bot.web.server import dashboard_for

    cfg = load_config(config)
    web = cfg.web.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v})
    overrides = {(c.platform, c.id): c.playbook for c in cfg.communities}
    runtime = await build_runtime(
        db_url=db or cfg.database.url, playbook=cfg.playbook, adapters={}, overrides=overrides
    )
    stop = asyncio.Event()
    watchers = [  # edits made outside the dashboard are reloaded too
        asyncio.create_task(m.watch(stop=stop)) for m in runtime.playbooks.managers()
    ]
    try:
        dashboard = dashboard_for(runtime, web, embedded=False)
        await dashboard.start()
        await dashboard.wait()
    finally:
        stop.set()
        for task in watchers:
            task.cancel()
        await runtime.store.close()


def register(app: typer.Typer) -> None:
    @app.command("web")
    def web(
        config: Path = typer.Option(
            None, "--config", "-c", help="deployment config (its web: section); default: none"
        ),
        db: str = typer.Option(
            None,
            "--db",
            help="database URL (default: the config's, or the console's sqlite:///data/qunbot.db)",
        ),
        host: str = typer.Option(None, "--host", help="address to listen on (default 127.0.0.1)"),
        port: int = typer.Option(None, "--port", help="port (default 8080)", min=1, max=65535),
    ) -> None:
        """The web dashboard: health reports, cases, members, calendar and the playbook editor."""
        if config is not None and not config.exists():
            fail(f"{config} does not exist: copy config.example.yaml and edit it")
        run_async(web_main(config, db, host, port))
