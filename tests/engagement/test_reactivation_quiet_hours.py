"""Quiet hours for silent-member nudges: a sweep that runs inside them (late, after a restart
or a busy scheduler) contacts nobody; the member is nudged by the first sweep after quiet hours
end, exactly once. The community is in Asia/Shanghai (UTC+8); quiet hours are 22:00–08:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import SendDirect
from bot.events import Tick
from bot.runtime import Handled
from rules.reactivation.rules import SWEEP_JOB
from tests.harness import COMMUNITY, PLATFORM, BotHarness

PLAYBOOK = """
community: {name: Makers, timezone: Asia/Shanghai}
welcome: {newcomer_window: 1d, greeting: "hi {member}"}
reactivation:
  steps: [{after: 7d}]
  at: "21:58"
  quiet_hours: {start: "22:00", end: "08:00"}
"""


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time in March 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    # alice joins at 22:00 local on 2 March and never speaks: her 7 days of silence are up
    # at 22:00 on 9 March, two minutes after that day's sweep, inside quiet hours
    await harness.join("alice", at=local(2, 22))
    await harness.advance(timedelta(hours=1))  # the welcome goes out
    harness.clear()
    await harness.advance(local(9, 21, 59) - harness.now)
    yield harness
    await harness.close()


async def sweep_at(bot: BotHarness, when: datetime) -> Handled:
    """A sweep that fires at `when` (as a late scheduler run would)."""
    await bot.advance(when - bot.now)
    return await bot.emit(
        Tick(platform=PLATFORM, community_id=COMMUNITY, occurred_at=when, job=SWEEP_JOB)
    )


def nudges(bot: BotHarness) -> list[str]:
    return [a.user_id for a in bot.actions if isinstance(a, SendDirect)]


def sweep_reason(handled: Handled) -> str:
    [outcome] = [o for o in handled.outcomes if o.rule == "reactivation.sweep"]
    assert outcome.decision is not None
    return outcome.decision.reason


async def test_sweeps_in_quiet_hours_wait_for_the_next_sweep_and_nudge_once(bot):
    assert nudges(bot) == []  # the 21:58 sweep came two minutes too early
    for when in (local(9, 22, 1), local(10, 3), local(10, 7, 59)):
        handled = await sweep_at(bot, when)
        assert nudges(bot) == []
        assert sweep_reason(handled) == "quiet hours: nobody is contacted now"
    await bot.advance(local(10, 21, 57) - bot.now)
    assert nudges(bot) == []  # no sweep between the end of quiet hours and 21:58
    await bot.advance(local(10, 22, 30) - bot.now)  # the 21:58 sweep of 10 March
    assert nudges(bot) == ["alice"]
    await bot.advance(timedelta(days=5))  # later sweeps do not repeat the nudge
    await sweep_at(bot, local(16, 8, 30))
    assert nudges(bot) == ["alice"]


async def test_a_sweep_as_quiet_hours_end_sends_the_nudge_once(bot):
    await sweep_at(bot, local(10, 7, 59))
    assert nudges(bot) == []
    handled = await sweep_at(bot, local(10, 8))  # quiet hours are over at 08:00 sharp
    assert nudges(bot) == ["alice"]
    assert "nudged 1 by direct message" in sweep_reason(handled)
    await bot.advance(local(11, 23) - bot.now)  # the 21:58 sweeps of 10 and 11 March
    await sweep_at(bot, local(12, 9))
    assert nudges(bot) == ["alice"]
