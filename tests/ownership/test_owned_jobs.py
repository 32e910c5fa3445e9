"""A process schedules the work of the communities it owns only; a job whose community's
lease was lost after it was installed stops before it acts, and one whose lease is lost in the
middle — after its claim, before its post — leaves the post to the new owner, who posts it once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.recording import RecordingAdapter
from bot.actions import Post, RemoveTimeout
from bot.app import build_runtime
from bot.events import Actor, CommandInvoked
from bot.scheduler import Job
from bot.store.db import create_engine
from bot.store.leases import CommunityLeases
from rules.calendar import store as calendar_store
from tests.ownership.processes import COMMUNITY, PLATFORM, Process, first_the_other, kill_owner

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PLAYBOOK = """
community: {name: Makers, timezone: UTC}
moderation: {}
calendar:
  entries:
    morning: {cron: "0 9 * * *", channel: general, text: "Good morning"}
"""


def timeout_of(user: str, at: datetime, community: str = COMMUNITY) -> CommandInvoked:
    """A moderator's `/timeout <user> 1h`."""
    return CommandInvoked(
        platform=PLATFORM,
        community_id=community,
        occurred_at=at,
        command="timeout",
        actor=Actor(user_id="mod", name="mod", is_moderator=True),
        channel_id="general",
        args={"duration": "1h"},
        target_user_id=user,
        message_id=f"t-{community}-{user}",
    )


async def test_only_owned_communities_are_scheduled_and_a_lost_lease_stops_the_job(
    db_url: str, tmp_path: Path
) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    adapter = RecordingAdapter(platform="test")
    runtime = await build_runtime(db_url=db_url, playbook=playbook, adapters={"test": adapter})
    try:
        mine = await runtime.store.community("test", "c1")
        theirs = await runtime.store.community("test", "c2")
        owned = {mine.id}

        jobs = {job.id: job for job in await runtime.jobs(lambda ref: ref.id in owned)}

        assert any(j.startswith("test:c1:") for j in jobs)
        assert not any(j.startswith("test:c2:") for j in jobs)
        await jobs["test:c1:calendar.tick"].run(T0 + timedelta(hours=1))
        assert [(c, a.text) for c, a in adapter.performed if isinstance(a, Post)] == [
            ("c1", "Good morning")
        ]

        adapter.performed.clear()
        owned.clear()  # the lease went while the job stayed installed
        await jobs["test:c1:calendar.tick"].run(T0 + timedelta(days=1, hours=1))
        assert adapter.performed == []

        # due steps: a timeout in each community ends; only the owned one is lifted
        for community in ("c1", "c2"):
            await runtime.handle(timeout_of("bob", T0, community))
        owned.add(theirs.id)
        await jobs["core.due"].run(T0 + timedelta(hours=2))
        lifted = [c for c, a in adapter.performed if isinstance(a, RemoveTimeout)]
        assert lifted == ["c2"]
    finally:
        await runtime.store.close()


# -- a lease lost in the middle of a job -------------------------------------------------------

on_postgresql = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
on_sqlite = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CALENDAR = f"{PLATFORM}:{COMMUNITY}:calendar.tick"
NINE = T0 + timedelta(hours=1)


async def owned_jobs(process: Process, leases: CommunityLeases) -> dict[str, Job]:
    """The jobs a process runs as the service installs them: of the communities it owns, each
    fenced by its lease."""
    jobs = await process.runtime.jobs(lambda ref: leases.holds(ref.id), confirm=leases.confirm)
    return {job.id: job for job in jobs}


@pytest.fixture
async def owner_and_standby(two, db_url: str):
    """`await owner_and_standby()` → (a, b, their leases, an admin engine): two processes
    serving c1, a owning it and b waiting as the standby."""
    made: list[CommunityLeases] = []
    admin = create_engine(db_url)

    async def start() -> tuple[Process, Process, CommunityLeases, CommunityLeases, Any]:
        a, b = await two(PLAYBOOK)
        ref = await a.runtime.store.community(PLATFORM, COMMUNITY)
        made.extend(CommunityLeases(p.runtime.store.engine, check_timeout=3) for p in (a, b))
        la, lb = made
        assert await la.sync({ref.id}) == {ref.id}
        assert await lb.sync({ref.id}) == set()  # the standby
        return a, b, la, lb, ref

    yield start, admin
    for leases in made:
        await leases.close()
    await admin.dispose()


async def waiting_on_a_lock(admin: Any) -> None:
    """Until some session of the test database waits for another's row (a claim of the same
    key, uncommitted)."""
    for _ in range(200):
        async with admin.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the standby's claim never waited for the owner's")


def lose_the_lease_inside_the_claim(
    monkeypatch: pytest.MonkeyPatch,
    admin: Any,
    ref: Any,
    la: CommunityLeases,
    lb: CommunityLeases,
    standby_job: Callable[[], Awaitable[None]],
) -> list[asyncio.Task[None]]:
    """a's lease session dies while a's claim is written but not committed (at its lease
    check, inside the claim's transaction); b takes the lease over and starts the same job,
    whose claim waits on a's row. → the task running b's job."""
    standby: list[asyncio.Task[None]] = []

    async def take_over() -> None:
        await kill_owner(admin, ref.id)
        assert await lb.sync({ref.id}) == {ref.id}
        standby.append(asyncio.create_task(standby_job()))
        await waiting_on_a_lock(admin)

    first_the_other(monkeypatch, la, "confirm", take_over)
    return standby


@on_postgresql
async def test_a_lease_lost_before_the_claim_is_in_leaves_the_post_to_the_new_owner(
    owner_and_standby, monkeypatch, caplog
) -> None:
    start, admin = owner_and_standby
    a, b, la, lb, ref = await start()

    async def standby_job() -> None:
        await (await owned_jobs(b, lb))[CALENDAR].run(NINE)

    standby = lose_the_lease_inside_the_claim(monkeypatch, admin, ref, la, lb, standby_job)
    jobs = await owned_jobs(a, la)
    with caplog.at_level(logging.WARNING, logger="bot.store.fence"):
        await jobs[CALENDAR].run(NINE)
        await asyncio.wait_for(standby[0], 10)

    assert a.did(Post) == []  # a stopped before acting
    assert [p.text for p in b.did(Post)] == ["Good morning"]  # b posted it once
    lost = [r.getMessage() for r in caplog.records if "lost before" in r.getMessage()]
    assert lost == [
        f"lease for community {PLATFORM}:{COMMUNITY} lost before calendar.tick; "
        "left to the new owner"
    ]

    # a notices, reconnects and finds b owning c1: nothing it runs again posts anything
    assert await la.sync({ref.id}) == set()
    assert await la.sync({ref.id}) == set()
    for when in (NINE, NINE + timedelta(minutes=1)):
        await jobs[CALENDAR].run(when)
        await a.runtime.run_job(ref, "calendar.tick", when, confirm=la.confirm)
        await (await owned_jobs(b, lb))[CALENDAR].run(when)
    assert a.did(Post) == []
    assert [p.text for p in b.did(Post)] == ["Good morning"]
    rows = await calendar_store.occurrences_since(a.runtime.store, ref, T0)
    assert [r.status for r in rows] == ["sent"]


@on_postgresql
async def test_a_timeout_whose_lease_is_lost_mid_lift_is_lifted_once_by_the_new_owner(
    owner_and_standby, monkeypatch
) -> None:
    start, admin = owner_and_standby
    a, b, la, lb, ref = await start()
    await a.runtime.handle(timeout_of("bob", T0))
    ended = T0 + timedelta(hours=2)

    async def standby_job() -> None:
        b.runtime.store.steps_changed()  # as the service does on a take-over
        await (await owned_jobs(b, lb))["core.due"].run(ended)

    standby = lose_the_lease_inside_the_claim(monkeypatch, admin, ref, la, lb, standby_job)
    await (await owned_jobs(a, la))["core.due"].run(ended)
    await asyncio.wait_for(standby[0], 10)

    assert a.did(RemoveTimeout) == []
    assert [r.user_id for r in b.did(RemoveTimeout)] == ["bob"]
    await (await owned_jobs(b, lb))["core.due"].run(ended + timedelta(minutes=1))
    assert len(b.did(RemoveTimeout)) == 1


@on_postgresql
async def test_a_lease_lost_after_the_claim_is_in_still_posts_once(
    owner_and_standby, monkeypatch
) -> None:
    """Lost between the claim (committed under the lease) and the post: the claim is the
    owner's, so it posts, and the standby — finding it claimed — does not."""
    start, admin = owner_and_standby
    a, b, la, lb, ref = await start()

    async def take_over() -> None:
        await kill_owner(admin, ref.id)
        assert await lb.sync({ref.id}) == {ref.id}
        await (await owned_jobs(b, lb))[CALENDAR].run(NINE)

    first_the_other(monkeypatch, a.adapter, "execute", take_over)
    await (await owned_jobs(a, la))[CALENDAR].run(NINE)

    assert [p.text for p in a.did(Post)] == ["Good morning"]
    assert b.did(Post) == []


@on_sqlite
async def test_on_sqlite_the_lease_check_costs_nothing_and_the_job_acts_once(
    two, tmp_path: Path
) -> None:
    a, _ = await two(PLAYBOOK)
    ref = await a.runtime.store.community(PLATFORM, COMMUNITY)
    leases = CommunityLeases(f"sqlite:///{tmp_path / 'never-opened.db'}")
    assert await leases.sync({ref.id}) == {ref.id}
    assert await leases.confirm(ref.id) and not await leases.confirm(ref.id + 1)
    assert not (tmp_path / "never-opened.db").exists()  # nothing was asked of a database

    jobs = await owned_jobs(a, leases)
    for when in (NINE, NINE, NINE + timedelta(minutes=1)):
        await jobs[CALENDAR].run(when)
    assert [p.text for p in a.did(Post)] == ["Good morning"]
    await leases.close()
