"""A database that goes away mid-run (issue 10, bad input): the bot keeps serving from its
community state, says so once in the log and to the moderators, and when the database is back
writes every waiting case, ledger entry and check-in — none lost, none twice.

The bot reaches PostgreSQL through a TCP proxy on the loopback that the test stops (closing
every open connection) and starts again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import func, select

from bot.actions import DeleteMessage, Post, Reply
from bot.store import Store
from bot.texts import CORE_TEXTS
from rules.checkin.models import CheckIn
from rules.moderation.models import ModerationCase
from rules.points import store as points_q
from tests.harness import COMMUNITY, PLATFORM, BotHarness

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
moderation: {}
checkin: {}
points:
  messages: {points: 5, cooldown: 0s, min_length: 3}
antispam:
  rules:
    - name: ads
      triggers: {keywords: [代开发票]}
      actions: {delete: true, warn: 1}
"""


class Proxy:
    """Forwards 127.0.0.1:<port> to the PostgreSQL server; `stop` drops every connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.pipes |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.pipes:
            writer.transport.abort()
        self.pipes.clear()
        await self.server.wait_closed()


async def _count(url: str, query) -> int:  # type: ignore[no-untyped-def]
    store = await Store.open(url)
    try:
        async with store.sessions() as s:
            return int(await s.scalar(query) or 0)
    finally:
        await store.close()


async def test_a_database_that_goes_away_loses_no_case_ledger_entry_or_check_in(
    tmp_path, pg_url, caplog
) -> None:
    direct = pg_url
    proxy = Proxy(int(direct.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    through = direct.replace(f":{proxy.target_port}/", f":{proxy.port}/")
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=through)
    try:
        await bot.say("alice", "hello everyone")  # the community state is loaded
        await bot.runtime.store.flush()
        ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)

        await proxy.stop()  # the database goes away
        caplog.set_level(logging.WARNING, logger="bot.runtime")
        await bot.command("bob", "checkin")
        await bot.say("carol", "代开发票，量大从优", at=timedelta(seconds=5))
        await bot.say("alice", "still chatting here", at=timedelta(seconds=5))
        await bot.say("dave", "代开发票 again", at=timedelta(seconds=5))
        for _ in range(3):  # flushes and retries meet the outage again: said only once
            assert not await bot.runtime.flush()
            await asyncio.sleep(0.05)

        down = CORE_TEXTS["en"]["store.down"]
        told = [a for a in bot.actions if isinstance(a, Post) and a.text == down]
        assert [a.channel_id for a in told] == ["mod-log"]  # once, in the moderators' log
        said = [r for r in caplog.records if "database unreachable" in r.getMessage()]
        assert len(said) == 1
        assert bot.runtime.executor.held >= 3  # the check-in and both spam cases wait
        assert not any(isinstance(a, DeleteMessage) for a in bot.actions)  # write before act

        await proxy.start()  # the database is back
        assert await bot.runtime.recover(force=True)
        assert bot.runtime.executor.held == 0
        deleted = [a.message_id for a in bot.actions if isinstance(a, DeleteMessage)]
        assert len(deleted) == 2
        assert any(isinstance(a, Reply) and a.user_id == "bob" for a in bot.actions)
        await bot.say("erin", "after the outage", at=timedelta(seconds=5))
        await bot.runtime.flush()
    finally:
        if proxy.server is None or not proxy.server.is_serving():
            await proxy.start()  # a failed assertion above must not also fail the close
        await bot.close()
        await proxy.stop()

    cases = (
        select(func.count())
        .select_from(ModerationCase)
        .where(ModerationCase.community_id == ref.id)
    )
    assert await _count(direct, cases) == 2
    checkins = select(func.count()).select_from(CheckIn).where(CheckIn.user_id == "bob")
    assert await _count(direct, checkins) == 1
    store = await Store.open(direct)
    try:
        bob = [k for k, _, _ in await points_q.ledger(store, ref, "bob")]
        alice = [k for k, _, _ in await points_q.ledger(store, ref, "alice")]
    finally:
        await store.close()
    assert len([k for k in bob if k.startswith("checkin:")]) == 1
    assert len(alice) == 2  # both of alice's messages paid, the one during the outage too
