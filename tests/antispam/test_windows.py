"""Anti-spam's short windows, kept per member: they survive `kill -9` as of the last flush,
leave memory with an evicted member and come back with them, hold nothing once past the
playbook's longest window, and a flush writes only the members that changed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select

from bot.actions import DeleteMessage
from bot.app import build_runtime
from bot.simulation import Simulation
from rules.antispam.models import SpamWindow
from rules.antispam.triggers import Recent
from rules.antispam.windows import RECENT, MemberWindow, WindowRows, Windows
from tests.harness import COMMUNITY, PLATFORM, BotHarness, _no_sleep

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
moderation: {}
antispam:
  rules:
    - name: repeats
      triggers:
        duplicates: {count: 3, window: 1m}
      actions: {delete: true}
"""

SPAM = "cheap followers, message me now"


def deleted(bot: BotHarness, user: str) -> int:
    return sum(isinstance(a, DeleteMessage) for a in bot.actions_for(user))


async def crash_and_start_again(bot: BotHarness) -> None:
    """As after `kill -9`: nothing is flushed on the way out, a new process starts on the
    same database."""
    now = bot.sim.now
    await bot.runtime.store.engine.dispose()
    bot.runtime = await build_runtime(
        db_url=bot.db_url,
        playbook=bot.playbook,
        adapters={PLATFORM: bot.adapter},
        sleep=_no_sleep,
    )
    bot.sim = Simulation(bot.runtime, now)


async def windows(bot: BotHarness) -> Windows:
    ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
    found = (await bot.runtime.states.get(ref)).memory[RECENT]
    assert isinstance(found, Windows)
    return found


async def stored(bot: BotHarness) -> set[str]:
    async with bot.runtime.store.sessions() as s:
        return set((await s.execute(select(SpamWindow.user_id))).scalars())


@contextmanager
def rows_written(bot: BotHarness) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The parameter rows of every statement on `antispam_windows`, by statement kind."""
    seen: dict[str, list[dict[str, Any]]] = {"insert": [], "delete": []}

    def before(conn: Any, clause: Any, multiparams: Any, params: Any, options: Any) -> None:
        table = getattr(clause, "table", None)
        if getattr(table, "name", None) == SpamWindow.__tablename__:
            rows = multiparams[0] if multiparams and isinstance(multiparams[0], list) else []
            rows = rows or list(multiparams) or ([params] if params else [])
            seen[clause.__visit_name__].extend(rows)

    engine = bot.runtime.store.engine.sync_engine
    event.listen(engine, "before_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_execute", before)


async def test_duplicates_of_the_last_minute_still_count_after_kill_9(tmp_path, db_url) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    try:
        await bot.say("alice", SPAM)
        await bot.say("alice", SPAM, at=timedelta(seconds=10))
        await bot.say("bob", "the meetup moved to friday")
        await bot.say("bob", "the meetup moved to friday", at=timedelta(seconds=5))
        await bot.runtime.store.flush()  # the periodic flush, then the process is killed
        await crash_and_start_again(bot)
        await bot.say("alice", SPAM, at=timedelta(seconds=10))
        assert deleted(bot, "alice") == 1  # her third copy within the minute
        # bob's third copy comes after his first two left the minute
        await bot.say("bob", "the meetup moved to friday", at=timedelta(minutes=1))
        assert deleted(bot, "bob") == 0
    finally:
        await bot.close()


async def test_an_evicted_members_window_comes_back_with_them(tmp_path, db_url) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    try:
        bot.runtime.flush_every = 1
        bot.runtime.states.max_members = 3
        await bot.say("alice", SPAM)
        await bot.say("alice", SPAM, at=timedelta(seconds=1))
        for i in range(6):
            await bot.say(f"x{i}", f"hello number {i}", at=timedelta(seconds=1))
        held = await windows(bot)
        ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
        assert "alice" not in (await bot.runtime.states.get(ref)).members
        assert held.get("alice") is None  # evicted with her
        assert "alice" in await stored(bot)
        await bot.say("alice", SPAM, at=timedelta(seconds=1))
        assert deleted(bot, "alice") == 1  # the two copies before her eviction counted
        assert deleted(bot, "x5") == 0
    finally:
        await bot.close()


async def test_a_flush_writes_only_the_members_that_changed(tmp_path) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    try:
        for i in range(40):
            await bot.say(f"m{i}", f"good morning from member {i}", at=timedelta(seconds=0.5))
        await bot.runtime.store.flush()
        assert len(await stored(bot)) == 40
        with rows_written(bot) as seen:
            await bot.say("m3", "one more thought", at=timedelta(seconds=1))
            await bot.say("newcomer", "hi all", at=timedelta(seconds=1))
            await bot.runtime.store.flush()
        assert sorted(r["user_id"] for r in seen["insert"]) == ["m3", "newcomer"]
        assert seen["delete"] == []
        # two minutes on, every window is past the playbook's longest (1 minute): the next
        # message's flush deletes them and writes the one that changed
        with rows_written(bot) as seen:
            await bot.say("late", "anyone here?", at=timedelta(minutes=2))
            await bot.runtime.store.flush()
        assert [r["user_id"] for r in seen["insert"]] == ["late"]
        assert len(seen["delete"]) == 41
        assert set((await windows(bot)).members) == {"late"}  # the others hold nothing
        async with bot.runtime.store.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(SpamWindow)) == 1
    finally:
        await bot.close()


class _ScanAll(Windows):
    """The reference: every note looks at every member (no heap), so a member goes at the
    first message at or after its expiry, whatever the heap's entries say."""

    __slots__ = ()

    def prune(self, now: datetime) -> None:
        for user_id, window in list(self.members.items()):
            if window.expires <= now:
                self._drop(user_id, window)


def _state(windows: Windows) -> dict[str, Any]:
    return {u: (w.dump(), w.expires, w.stored) for u, w in sorted(windows.members.items())}


def test_windows_expire_as_a_scan_of_every_member_would_say() -> None:
    """The heap holds one entry per member, queued again when it comes due before the
    member's (since moved) expiry: members go exactly when a scan of all would drop them,
    with cooldowns, late deliveries and evicted members read back, and a busy member's
    messages push nothing (fails if the re-queue is lost, or every message pushes again)."""
    rng = random.Random(10)
    horizon = timedelta(seconds=60)
    fast, slow = Windows(1, WindowRows()), Windows(1, WindowRows())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = start
    for step in range(20_000):
        now += timedelta(seconds=rng.choice((0, 0.5, 1, 2, 5, 30, 61)))
        user = f"u{rng.randrange(40)}"
        roll = rng.random()
        until = now + timedelta(seconds=rng.choice((10, 90, 300)))
        at = now - timedelta(seconds=rng.choice((0, 0, 0, 3, 70)))  # some come late
        for w in (fast, slow):
            if roll < 0.05:
                w.cooldown(user, "flood", until)
            elif roll < 0.07 and user in w.members:  # evicted, then read back as stored
                value, expires = w.members[user].dump(), w.members[user].expires
                w.forget([user])
                w.hold(user, MemberWindow.parse(value, expires))
            else:
                w.note(user, Recent(at, "general", f"fp{step % 7}"), horizon)
        assert _state(fast) == _state(slow), step
        assert fast._rows.changed.keys() == slow._rows.changed.keys(), step
        if step % 500 == 0:
            fast._rows.take(), slow._rows.take()
    assert len(fast._expiry) <= 3 * len(fast.members) + 40
    busy = Windows(1, WindowRows())
    for i in range(1000):
        busy.note("chatty", Recent(start + timedelta(seconds=i), "general", "x"), horizon)
    assert len(busy._expiry) == 1  # re-queued each horizon, one live entry
