"""No hang, ever: a rerun over steps that exist, a job that makes no progress, a clock jump."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest

from bot.events import Actor, MemberJoined
from bot.scheduler import Job, SimulatedScheduler
from bot.simulation import Simulation
from tests.harness import COMMUNITY, PLATFORM, T0, BotHarness

FOLLOWUP = """
community: {name: Makers}
welcome:
  greeting: "Welcome {member}!"
  regreet_after: 0s  # the rerun greets again, so it schedules the same follow-up again
  followups:
    - {after: 24h, only_if_silent: true, text: "{member}, tell us about yourself?"}
"""

CALENDAR = """
community: {name: Makers}
calendar:
  entries:
    daily: {cron: "0 9 * * *", channel: general, text: "Good morning!", grace: 30m}
"""


def _join(user: str, at: datetime) -> MemberJoined:
    return MemberJoined(
        platform=PLATFORM, community_id=COMMUNITY, occurred_at=at, member=Actor(user, user)
    )


async def test_a_rerun_over_existing_steps_finishes_and_follows_up_once(db_url, tmp_path):
    bot = await BotHarness.start(tmp_path, FOLLOWUP, db_url=db_url)
    await bot.emit(_join("alice", T0))
    await bot.advance(timedelta(days=2))
    followups = [a for a in bot.actions if "tell us about yourself" in (a.text_shown or "")]
    assert len(followups) == 1
    await bot.restart()
    # the same history again on the same database, as a rerun sees it: the follow-up's key is
    # taken, so nothing is pending — the scheduler must not keep asking for it
    bot.sim = Simulation(bot.runtime, T0)
    await bot.sim.feed(_join("alice", T0))
    await asyncio.wait_for(bot.sim.advance(timedelta(days=2)), timeout=20)
    followups = [a for a in bot.actions if "tell us about yourself" in (a.text_shown or "")]
    assert len(followups) == 1
    assert await bot.runtime.store.next_due_at() is None
    await bot.close()


async def test_a_job_that_makes_no_progress_is_parked_and_logged(caplog):
    runs: list[datetime] = []

    async def stuck_due() -> datetime:
        return T0  # always due, whatever the run does

    async def run(when: datetime) -> None:
        runs.append(when)

    scheduler = SimulatedScheduler(T0)
    scheduler.add(Job("core.due", run, next_due=stuck_due))
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(scheduler.advance_to(T0 + timedelta(hours=1)), timeout=5)
    assert 1 <= len(runs) <= 25
    assert "core.due ran" in caplog.text and "parked" in caplog.text
    assert scheduler.cursor == T0 + timedelta(hours=1)


@pytest.mark.parametrize("years", [10])
async def test_an_event_years_ahead_skips_and_counts_the_missed_posts(tmp_path, years):
    bot = await BotHarness.start(tmp_path, CALENDAR)
    await bot.say("alice", "hi", at=T0)
    await bot.say("alice", "still here", at=T0 + timedelta(days=2))
    posted = [a for a in bot.actions if a.text_shown == "Good morning!"]
    assert len(posted) == 3  # an ordinary gap: every post is made (T0 is 09:00)
    far = T0 + timedelta(days=365 * years)
    await asyncio.wait_for(bot.say("alice", "hello from the future", at=far), timeout=30)
    posted = [a for a in bot.actions if a.text_shown == "Good morning!"]
    assert len(posted) <= 4
    skipped = sum(n for job, n in bot.sim.scheduler.skipped.items() if "calendar" in job)
    assert skipped >= 365 * years - 2
    await bot.close()


async def test_a_drain_runs_everything_it_covers(tmp_path):
    bot = await BotHarness.start(tmp_path, CALENDAR)
    await bot.say("alice", "hi", at=T0)
    await bot.advance(timedelta(days=40))  # asked for: not a jump, every post is made
    posted = [a for a in bot.actions if a.text_shown == "Good morning!"]
    assert len(posted) == 41  # T0's post and one a day after it
    assert not bot.sim.scheduler.skipped
    await bot.close()
