"""`qunbot run` with real platforms: build the adapters from config and serve until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapter import Adapter, AdapterStartError
from bot.app import build_runtime
from bot.clock import SystemClock
from bot.config import ConfigError, DeploymentConfig

if TYPE_CHECKING:
    from bot.web.server import Dashboard

log = logging.getLogger(__name__)


def missing_tokens(cfg: DeploymentConfig) -> list[str]:
    """One line per enabled platform whose token variable is empty."""
    wanted = [
        (name, platform.token_env)
        for name, platform in (
            ("Discord", cfg.adapters.discord),
            ("Telegram", cfg.adapters.telegram),
        )
        if platform.enabled
    ]
    return [
        f"{name} is enabled but {env} is empty: export {env}=<your bot token>"
        for name, env in wanted
        if not os.environ.get(env, "").strip()
    ]


def build_adapters(cfg: DeploymentConfig) -> dict[str, Adapter]:
    """The enabled platform adapters; missing tokens are one ConfigError naming every variable."""
    missing = missing_tokens(cfg)
    if missing:
        raise ConfigError(
            "enabled platforms have no token (see README, 'Running on Discord and Telegram'):\n  "
            + "\n  ".join(missing)
        )
    adapters: dict[str, Adapter] = {}
    if cfg.adapters.discord.enabled:
        from adapters.discord import DiscordAdapter

        d = cfg.adapters.discord
        adapters["discord"] = DiscordAdapter(
            cfg.token(d.token_env, "Discord"),
            shard_ids=d.shard_ids,
            shard_count=d.shard_count,
            sync_commands=d.sync_commands,
            alert_channel=d.alert_channel,
            message_menus=d.message_menus,
        )
    if cfg.adapters.telegram.enabled:
        from adapters.telegram import TelegramAdapter
        from bot.help import menu_translations

        t = cfg.adapters.telegram
        if t.mode == "webhook" and not t.webhook_url:
            raise ConfigError(
                "adapters.telegram.mode is webhook but webhook_url is empty: set the public "
                "HTTPS URL Telegram should call, or use mode: polling"
            )
        secret = os.environ.get(t.secret_token_env, "").strip() if t.secret_token_env else None
        if t.secret_token_env and not secret:
            raise ConfigError(
                f"adapters.telegram.secret_token_env names {t.secret_token_env}, which is empty: "
                f"export {t.secret_token_env}=<1-256 of A-Z a-z 0-9 _ -> or remove the setting"
            )
        adapters["telegram"] = TelegramAdapter(
            cfg.token(t.token_env, "Telegram"),
            mode=t.mode,
            webhook_url=t.webhook_url,
            listen=t.listen,
            port=t.port,
            url_path=t.url_path,
            secret_token=secret,
            moderator_chat_id=t.moderator_chat_id,
            drop_pending_updates=t.drop_pending_updates,
            token_env=t.token_env,
            base_url=t.base_url,
            base_file_url=t.base_file_url,
            # Chinese Telegram clients see the `/` menu in Chinese
            menu_translations=menu_translations(),
        )
    return adapters


async def serve_main(
    cfg: DeploymentConfig, playbook: Path | None = None, base: Path | None = None
) -> None:
    from bot.cli.common import resolve_playbook
    from bot.service import serve

    try:
        adapters = build_adapters(cfg)
    except (AdapterStartError, ValueError) as exc:  # e.g. shard ids outside shard_count
        raise ConfigError(str(exc)) from None
    if cfg.adapters.console.enabled:
        log.info("the console adapter runs on its own (`qunbot console`); ignored here")
    overrides = {
        (c.platform, c.id): resolve_playbook(c.playbook, base=base) for c in cfg.communities
    }
    runtime = await build_runtime(
        db_url=cfg.database.url,
        playbook=playbook or resolve_playbook(cfg.playbook, base=base),
        adapters=adapters,
        overrides=overrides,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    web = None
    if cfg.web.enabled:  # the dashboard, in this loop, before the adapters register commands
        from bot.web.server import dashboard_for

        try:
            web = dashboard_for(runtime, cfg.web)
            await web.start()
        except ConfigError:
            await runtime.store.close()
            raise
    watchers = [
        asyncio.create_task(manager.watch(stop=stop)) for manager in runtime.playbooks.managers()
    ]
    if web is not None:

        async def stop_web(web: Dashboard) -> None:
            await stop.wait()
            await web.stop()  # before serve() closes the store

        watchers.append(asyncio.create_task(stop_web(web)))
    try:
        await serve(
            runtime,
            adapters,
            clock=SystemClock(),
            poll_seconds=cfg.scheduler.poll_seconds,
            stop_event=stop,
        )
    except AdapterStartError as exc:
        raise ConfigError(str(exc)) from None
    finally:
        for task in watchers:
            task.cancel()
        if web is not None:
            await web.stop()
