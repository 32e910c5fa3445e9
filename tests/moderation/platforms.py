"""Whole-pipeline rigs for moderation on both platforms: the Telegram adapter on the offline
Bot API double, and the Discord adapter on dpytest, each with the real runtime and a playbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from bot.runtime import Runtime
from rules.moderation import store as mod_store
from rules.moderation.store import CaseInfo
from tests.discord.harness import DiscordHarness, close_harness, make_harness
from tests.telegram.botapi_double import GROUP_ID, TOKEN, BotApiDouble, UpdateBuilder
from tests.telegram.conftest import MOD, NOW, OWNER


class Clock:
    """A clock the test moves; the adapter and the runtime read the same one."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def runtime_for(tmp_path: Path, platform: str, adapter: object, playbook: str) -> Runtime:
    path = tmp_path / "playbook.yaml"
    path.write_text(playbook, encoding="utf-8")
    return await build_runtime(
        db_url=f"sqlite:///{tmp_path / f'{platform}.db'}",
        playbook=path,
        adapters={platform: adapter},  # type: ignore[dict-item]
    )


@dataclass
class TelegramRig:
    api: BotApiDouble
    adapter: TelegramAdapter
    runtime: Runtime
    updates: UpdateBuilder
    clock: Clock

    async def audit(self) -> list[dict[str, Any]]:
        ref = await self.runtime.store.community("telegram", str(GROUP_ID))
        return list(reversed(await self.runtime.store.audit_log(ref)))

    async def cases(self, user_id: int) -> list[CaseInfo]:
        ref = await self.runtime.store.community("telegram", str(GROUP_ID))
        return list(reversed(await mod_store.cases_for(self.runtime.store, ref, str(user_id))))

    def texts_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.api.calls_to("sendMessage") if m["chat_id"] == chat_id]

    async def close(self) -> None:
        await self.adapter.stop()
        await self.runtime.store.close()


async def telegram_rig(tmp_path: Path, playbook: str, *, mod_started: bool = True) -> TelegramRig:
    clock = Clock()
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=clock)
    runtime = await runtime_for(tmp_path, "telegram", adapter, playbook)
    await adapter.start(runtime.handle, runtime.commands)
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    if mod_started:  # the moderator opened a private chat with the bot: alerts by DM
        await adapter.feed(updates.private(MOD))
    api.clear()
    return TelegramRig(api, adapter, runtime, updates, clock)


@dataclass
class DiscordRig:
    h: DiscordHarness
    runtime: Runtime

    async def cases(self, who: str | int) -> list[CaseInfo]:
        """The cases of a member, by name (while in the server) or id, oldest first."""
        ref = await self.runtime.store.community("discord", self.h.community_id)
        uid = str(who if isinstance(who, int) else self.h.member(who).id)
        return list(reversed(await mod_store.cases_for(self.runtime.store, ref, uid)))

    async def audit(self) -> list[dict[str, Any]]:
        ref = await self.runtime.store.community("discord", self.h.community_id)
        return list(reversed(await self.runtime.store.audit_log(ref)))

    def texts_in(self, channel: str) -> list[str]:
        return [m.content for m in self.h.sent if getattr(m.channel, "name", None) == channel]

    async def close(self) -> None:
        await close_harness(self.h)
        await self.runtime.store.close()


async def discord_rig(tmp_path: Path, playbook: str) -> DiscordRig:
    h = await make_harness(commands=[], ack_after=2.0)
    runtime = await runtime_for(tmp_path, "discord", h.adapter, playbook)
    h.adapter.attach(h.adapter._sink, runtime.commands)  # type: ignore[arg-type]
    h.responder = runtime.handle
    await h.give_role("carol", "Moderator")
    return DiscordRig(h, runtime)
