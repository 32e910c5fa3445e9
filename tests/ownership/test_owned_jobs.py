"""A process schedules the work of the communities it owns only, and a job whose community's
lease was lost after it was installed stops before it acts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.recording import RecordingAdapter
from bot.actions import Post, RemoveTimeout
from bot.app import build_runtime
from bot.events import Actor, CommandInvoked

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PLAYBOOK = """
community: {name: Makers, timezone: UTC}
moderation: {}
calendar:
  entries:
    morning: {cron: "0 9 * * *", channel: general, text: "Good morning"}
"""


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
            await runtime.handle(
                CommandInvoked(
                    platform="test",
                    community_id=community,
                    occurred_at=T0,
                    command="timeout",
                    actor=Actor(user_id="mod", name="mod", is_moderator=True),
                    channel_id="general",
                    args={"duration": "1h"},
                    target_user_id="bob",
                    message_id=f"t-{community}",
                )
            )
        owned.add(theirs.id)
        await jobs["core.due"].run(T0 + timedelta(hours=2))
        lifted = [c for c, a in adapter.performed if isinstance(a, RemoveTimeout)]
        assert lifted == ["c2"]
    finally:
        await runtime.store.close()
