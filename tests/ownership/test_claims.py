"""Two processes on one database run the same scheduled job for the same community — the second
having decided on what it read before the first wrote (an owner that had not yet noticed its
lease was lost): the claim's changed-row count lets only one of them act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions import Post, RemoveTimeout, SendDirect
from bot.events import Actor, CommandInvoked, MemberJoined, MessagePosted
from rules.checkin import store as checkin_q
from rules.reactivation import store as reactivation_q
from tests.ownership.processes import COMMUNITY, PLATFORM, first_the_other

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def message(user: str, text: str, at: datetime, n: int) -> MessagePosted:
    return MessagePosted(
        platform=PLATFORM,
        community_id=COMMUNITY,
        occurred_at=at,
        channel_id="general",
        message_id=f"m{n}",
        author=Actor(user_id=user, name=user),
        text=text,
    )


async def test_a_timeout_is_lifted_once_by_two_processes(two, monkeypatch) -> None:
    a, b = await two("community: {name: Makers, timezone: UTC}\nmoderation: {}\n")
    await a.runtime.handle(
        CommandInvoked(
            platform=PLATFORM,
            community_id=COMMUNITY,
            occurred_at=T0,
            command="timeout",
            actor=Actor(user_id="mod", name="mod", is_moderator=True),
            channel_id="general",
            args={"duration": "1h", "reason": "cool off"},
            target_user_id="bob",
            message_id="m1",
        )
    )
    ended = T0 + timedelta(hours=2)
    first_the_other(monkeypatch, b.runtime.store, "finish_steps", lambda: a.runtime.run_due(ended))

    await b.runtime.run_due(ended)

    assert len(a.did(RemoveTimeout)) + len(b.did(RemoveTimeout)) == 1
    assert b.did(RemoveTimeout) == []


CHECKIN = """
community: {name: Readers, timezone: UTC}
checkin:
  keywords: [checkin]
  reminder: {enabled: true, at: "20:00", min_streak: 2}
"""


async def test_a_streak_reminder_goes_out_once_from_two_processes(two, monkeypatch) -> None:
    a, b = await two(CHECKIN)
    for day in range(2):  # Monday and Tuesday: streak 2
        await a.runtime.handle(message("alice", "checkin", T0 + timedelta(days=day), day))
    await a.runtime.store.flush()  # as the service does every two seconds
    ref = await a.runtime.store.community(PLATFORM, COMMUNITY)
    evening = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # Wednesday, not checked in yet
    first_the_other(
        monkeypatch,
        checkin_q,
        "mark_reminded",
        lambda: a.runtime.run_job(ref, "checkin.reminder", evening),
    )

    await b.runtime.run_job(ref, "checkin.reminder", evening)

    reminders = [p for p in a.did(Post) + b.did(Post) if "streak" in p.text]
    assert [p.mentions for p in reminders] == [("alice",)]
    assert b.did(Post) == []


REACTIVATION = """
community: {name: Makers, timezone: UTC}
reactivation:
  tiers: [7d]
  steps: [{after: 7d, via: auto}]
  at: "10:00"
"""


async def test_a_silent_member_is_nudged_once_from_two_processes(two, monkeypatch) -> None:
    a, b = await two(REACTIVATION)
    await a.runtime.handle(
        MemberJoined(
            platform=PLATFORM,
            community_id=COMMUNITY,
            occurred_at=T0,
            member=Actor(user_id="alice", name="alice"),
        )
    )
    await a.runtime.handle(message("alice", "hello", T0, 1))
    await a.runtime.store.flush()
    ref = await a.runtime.store.community(PLATFORM, COMMUNITY)
    sweep = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # eight days of silence
    first_the_other(
        monkeypatch,
        reactivation_q,
        "record_nudges",
        lambda: a.runtime.run_job(ref, "reactivation.sweep", sweep),
    )

    await b.runtime.run_job(ref, "reactivation.sweep", sweep)

    nudges = a.did(SendDirect) + b.did(SendDirect)
    assert [n.user_id for n in nudges] == ["alice"]
    assert b.did(SendDirect) == []
