"""A dashboard over a real bot: the harness's runtime (SQLite or PostgreSQL), a few weeks of
activity, and an HTTP client speaking to the ASGI app in the same event loop."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.config import WebConfig
from bot.events import Actor, CommandInvoked
from bot.store import CommunityRef
from bot.web import WebContext, create_app
from bot.web.command import install_dashboard_command
from tests.harness import COMMUNITY, PLATFORM, BotHarness

ADMIN_TOKEN = "admin-token-0123456789abcdef"
MOD_TOKEN = "moderator-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Clock:
    """The dashboard's clock: the bot's simulated time plus a shift (to expire sessions)."""

    bot: BotHarness
    shift: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return self.bot.now + self.shift


@dataclass
class Dash:
    bot: BotHarness
    ctx: WebContext
    client: httpx.AsyncClient
    clock: Clock
    playbook: Path
    ref: CommunityRef

    @property
    def community_id(self) -> int:
        return self.ref.id

    async def csrf_of(self, path: str) -> str:
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    async def sign_in(self, token: str = ADMIN_TOKEN) -> httpx.Response:
        csrf = await self.csrf_of("/login")
        return await self.client.post("/login", data={"csrf": csrf, "token": token, "next": "/"})

    def page(self, name: str) -> str:
        return f"/c/{self.community_id}/{name}"

    async def dashboard_link(self, *, admin: bool = True) -> str:
        """What an admin (or moderator) receives by DM after /dashboard."""
        self.bot.clear()
        actor = Actor("boss", "Boss", is_admin=admin, is_moderator=not admin)
        await self.bot.emit(
            CommandInvoked(
                platform=PLATFORM,
                community_id=COMMUNITY,
                occurred_at=self.bot.now,
                command="dashboard",
                actor=actor,
                channel_id="general",
                message_id="dash-1",
            )
        )
        dm = [a for a in self.bot.actions if a.kind == "send_direct"]
        assert dm, f"no DM sent: {self.bot.actions}"
        found = re.search(r"https?://\S+/login/link/\S+", dm[0].text_shown or "")
        assert found, dm[0]
        return found.group(0)


async def seed(bot: BotHarness) -> None:
    """Three members, chat over two weeks, a check-in, and moderation cases by a moderator."""
    bot.moderators.add("mod")
    for name in ("alice", "bob", "carol"):
        await bot.join(name)
    for day in range(10):
        await bot.say("alice", f"good morning everyone, day {day}")
        await bot.say("bob", f"hello there {day}")
        await bot.advance(timedelta(days=1))
    await bot.command("alice", "checkin")
    await bot.command("mod", "warn", user="bob", reason="rude to newcomers")
    await bot.command("mod", "timeout", user="carol", duration="1h", reason="spamming links")
    await bot.leave("carol")
    await bot.runtime.store.flush()


def make_ctx(bot: BotHarness, clock: Clock, **config: object) -> WebContext:
    web = WebConfig(enabled=True, public_url="http://dash.test", **config)  # type: ignore[arg-type]
    ctx = WebContext(bot.runtime, web, ADMIN_TOKEN, MOD_TOKEN, embedded=True, now=clock)
    install_dashboard_command(bot.runtime, ctx)
    return ctx


@pytest.fixture
async def dash(tmp_path: Path, db_url: str) -> AsyncIterator[Dash]:
    books = tmp_path / "playbooks"
    books.mkdir()
    playbook = books / "default.yaml"
    # the default playbook, without posting the weekly report (its charts take a second to
    # draw; the dashboard builds reports itself)
    text = (ROOT / "playbooks" / "default.yaml").read_text(encoding="utf-8")
    playbook.write_text(text.replace("report:\n  enabled: true", "report:\n  enabled: false"))
    bot = await BotHarness.start(tmp_path, db_url=db_url, playbook=playbook)
    await seed(bot)
    clock = Clock(bot)
    ctx = make_ctx(bot, clock)
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
        yield Dash(bot, ctx, client, clock, playbook, ref)
    await bot.close()
