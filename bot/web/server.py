"""Running the dashboard with uvicorn: alone (`qunbot web`) or inside the bot's own event loop
(`qunbot run` with `web.enabled`), sharing its store and playbook managers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from bot.config import ConfigError, WebConfig
from bot.runtime import Runtime
from bot.web.app import create_app
from bot.web.command import install_dashboard_command
from bot.web.context import WebContext, tokens_from_env

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the process that embeds it decides when to
    stop (Ctrl-C / SIGTERM stop the bot, which stops the dashboard)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Dashboard:
    def __init__(self, ctx: WebContext, *, own_signals: bool = False) -> None:
        self.ctx = ctx
        config = uvicorn.Config(
            create_app(ctx),
            host=ctx.config.host,
            port=ctx.config.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config) if own_signals else _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve in the background; raises ConfigError when the address cannot be bound."""
        self._task = asyncio.create_task(self._serve(), name="qunbot-web")
        while not self.server.started:
            if self._task.done():  # uvicorn could not start (it logged why)
                raise ConfigError(
                    f"the dashboard could not listen on {self.ctx.config.host}:"
                    f"{self.ctx.config.port}: is the port in use? Set web.port (or --port)."
                )
            await asyncio.sleep(0.02)
        log.warning(
            "dashboard: %s (sign in with $%s)", self.ctx.base_url, self.ctx.config.token_env
        )

    async def _serve(self) -> None:
        # uvicorn ends a failed start with sys.exit(), which must not end the bot's loop
        with contextlib.suppress(SystemExit):
            await self.server.serve()

    async def stop(self) -> None:
        """Stop listening and let open requests finish; safe to call more than once."""
        if self._task is None or self._task.done():
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._task)  # a cancelled caller must not cut the shutdown

    async def wait(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def dashboard_for(runtime: Runtime, config: WebConfig, *, embedded: bool = True) -> Dashboard:
    """The dashboard over a runtime. `embedded` (inside `qunbot run`): `/dashboard` is added
    to the bot's commands — call this before the adapters start; alone (`qunbot web`):
    uvicorn handles Ctrl-C itself."""
    admin, moderator = tokens_from_env(config)
    ctx = WebContext(runtime, config, admin, moderator, embedded=embedded)
    if embedded:
        install_dashboard_command(runtime, ctx)
    return Dashboard(ctx, own_signals=not embedded)
