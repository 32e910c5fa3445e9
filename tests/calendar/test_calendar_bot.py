"""The content calendar end to end on a simulated clock: the right local times across a DST
change, pools without repeats, restarts without duplicates, misfires, commands, failures."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.actions import AlertModerators, Post, Reply
from bot.adapter import PlatformError
from bot.executor import ActionOutcome
from rules.calendar import store as calendar_store
from tests.harness import BotHarness

BERLIN = ZoneInfo("Europe/Berlin")
# 2026-03-15 is a Sunday; Berlin moves from CET (+1) to CEST (+2) on Sunday 2026-03-29
START = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
TOPICS = ["rust", "sql", "git", "http", "unicode", "regex", "dns"]

PLAYBOOK = f"""
community: {{name: Makers, timezone: Europe/Berlin, mod_log_channel: mods}}
calendar:
  entries:
    knowledge:
      cron: "0 9 * * *"
      channel: general
      text: "📚 Today: {{topic}}"
      pool: {TOPICS}
      grace: 30m
    evening:
      cron: "30 18 * * mon-fri"
      channel: talk
      text: "💬 {{community}} evening talk, {{date}}"
      poll: {{question: "How was your day?", options: [great, fine, tough]}}
"""


class Timeline:
    """Every executed action with the (UTC) time it was executed at."""

    def __init__(self) -> None:
        self.seen: list[ActionOutcome] = []

    def __call__(self, ref: object, outcome: ActionOutcome) -> None:
        self.seen.append(outcome)

    def posts(self, channel: str) -> list[tuple[datetime, Post]]:
        return [
            (o.at, o.action)
            for o in self.seen
            if isinstance(o.action, Post)
            and o.action.channel_id == channel
            and o.status == "executed"
        ]


async def start(
    tmp_path: Path, at: datetime = START, playbook: str = PLAYBOOK, db_url: str | None = None
) -> tuple[BotHarness, Timeline]:
    path = tmp_path / "playbook.yaml"
    if not path.exists():
        path.write_text(playbook, encoding="utf-8")
    bot = await BotHarness.start(tmp_path, start=at, playbook=path, db_url=db_url)
    timeline = Timeline()
    bot.runtime.observers.append(timeline)
    return bot, timeline


async def restart_at(bot: BotHarness, when: datetime) -> tuple[BotHarness, Timeline]:
    """The process stops cleanly now and a new one starts at `when` on the same database."""
    await bot.close()
    later = await BotHarness.start(
        bot.playbook.parent, start=when, playbook=bot.playbook, db_url=bot.db_url
    )
    later.adapter = bot.adapter
    later.runtime.executor.adapters["test"] = bot.adapter
    timeline = Timeline()
    later.runtime.observers.append(timeline)
    await later.advance(timedelta(0))
    return later, timeline


@pytest.fixture
async def bot(tmp_path: Path):
    harness, timeline = await start(tmp_path)
    await harness.say("alice", "hi")  # the community exists from its first event on
    harness.timeline = timeline  # type: ignore[attr-defined]
    yield harness
    await harness.close()


async def test_a_month_of_posts_stays_at_local_times_across_the_dst_change(bot):
    await bot.advance(timedelta(days=31))

    mornings = bot.timeline.posts("general")
    assert len(mornings) == 31  # 15 March 09:00 was still ahead at 07:00 local
    assert {at.astimezone(BERLIN).strftime("%H:%M") for at, _ in mornings} == {"09:00"}
    utc_hours = Counter(at.hour for at, _ in mornings)
    assert utc_hours == {8: 14, 7: 17}  # CET until 28 March, CEST from the 29th
    days = [at.astimezone(BERLIN).date() for at, _ in mornings]
    assert len(set(days)) == 31

    evenings = bot.timeline.posts("talk")
    assert {at.astimezone(BERLIN).strftime("%H:%M %a") for at, _ in evenings} <= {
        f"18:30 {d}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")
    }
    assert len(evenings) == 22  # weekdays from Mon 16 March to Wed 15 April
    first = evenings[0][1]
    assert first.text == "💬 Makers evening talk, 2026-03-16"
    assert first.poll_question == "How was your day?"
    assert first.poll_options == ("great", "fine", "tough")


async def test_the_topic_pool_rotates_without_repeats_until_it_is_used_up(bot):
    await bot.advance(timedelta(days=21))  # three full cycles of seven topics

    topics = [post.text.removeprefix("📚 Today: ") for _, post in bot.timeline.posts("general")]
    assert len(topics) == 21
    for cycle in range(3):
        assert sorted(topics[cycle * 7 : (cycle + 1) * 7]) == sorted(TOPICS)
    assert all(a != b for a, b in zip(topics, topics[1:], strict=False))
    assert topics[:7] != topics[7:14]  # each cycle has its own order


async def test_a_restart_mid_month_posts_nothing_twice(bot):
    # 25 March 09:00 local: the old process has just posted, the new one starts the same minute
    await bot.advance(timedelta(days=10, hours=2))
    before = bot.timeline.posts("general")
    assert before[-1][0].astimezone(BERLIN) == datetime(2026, 3, 25, 9, 0, tzinfo=BERLIN)
    bot2, timeline2 = await restart_at(bot, bot.now)
    await bot2.advance(timedelta(days=5))
    after = timeline2.posts("general")

    days = [at.astimezone(BERLIN).day for at, _ in before + after]
    assert days == list(range(15, 31))  # every day once: none doubled, none lost
    topics = [p.text for _, p in before + after]
    for cycle in (topics[:7], topics[7:14]):  # the rotation survives the restart
        assert sorted(cycle) == sorted(f"📚 Today: {t}" for t in TOPICS)
    await bot2.close()


async def test_a_post_missed_within_grace_is_sent_late_once(bot):
    await bot.advance(timedelta(days=1, hours=1))  # Monday 16 March, 08:00 local
    bot2, timeline2 = await restart_at(bot, datetime(2026, 3, 16, 8, 20, tzinfo=UTC))  # 09:20

    late = timeline2.posts("general")
    assert [at for at, _ in late] == [datetime(2026, 3, 16, 8, 20, tzinfo=UTC)]
    await bot2.advance(timedelta(hours=6))
    assert len(timeline2.posts("general")) == 1
    await bot2.close()


async def test_a_post_missed_beyond_grace_is_skipped_and_logged(bot, caplog):
    await bot.advance(timedelta(days=1, hours=1))  # Monday 16 March, 08:00 local
    caplog.set_level(logging.INFO, logger="rules.calendar")
    bot2, timeline2 = await restart_at(bot, datetime(2026, 3, 16, 9, 0, tzinfo=UTC))  # 10:00

    assert timeline2.posts("general") == []
    assert "knowledge@2026-03-16T08:00:00Z" in caplog.text and "missed by 60 min" in caplog.text
    ref = await bot2.runtime.store.community("test", "c1")
    rows = await calendar_store.occurrences_since(bot2.runtime.store, ref, START)
    assert [(r.key, r.status) for r in rows if r.entry_id == "knowledge"][-1] == (
        "knowledge@2026-03-16T08:00:00Z",
        "skipped",
    )
    await bot2.advance(timedelta(days=1))  # the next day's post goes out as usual
    assert [at.astimezone(BERLIN).strftime("%d %H:%M") for at, _ in timeline2.posts("general")] == [
        "17 09:00"
    ]
    await bot2.close()


async def test_calendar_lists_the_next_posts(bot):
    bot.clear()
    await bot.command("alice", "calendar", count=3)
    reply = bot.actions[-1]
    assert isinstance(reply, Reply) and reply.ephemeral
    assert reply.text.splitlines() == [
        "Next calendar posts (Europe/Berlin):",
        "Sun 2026-03-15 09:00 · knowledge → #general",
        "Mon 2026-03-16 09:00 · knowledge → #general",
        "Mon 2026-03-16 18:30 · evening → #talk",
    ]


async def test_a_moderator_pauses_and_resumes_an_entry(bot):
    await bot.command("alice", "calendar", action="pause", entry="knowledge")
    assert bot.texts("reply")[-1] == "Only moderators can use /calendar pause."
    bot.moderators.add("mod")
    await bot.command("mod", "calendar", action="pause", entry="knowledge")
    assert bot.texts("reply")[-1].startswith("Paused 'knowledge'")

    await bot.restart()  # the pause is persisted
    bot.runtime.observers.append(bot.timeline)
    await bot.advance(timedelta(days=2))
    assert bot.timeline.posts("general") == []
    assert len(bot.timeline.posts("talk")) == 1  # other entries keep posting

    await bot.command("mod", "calendar", action="resume", entry="knowledge")
    assert bot.texts("reply")[-1] == "Resumed 'knowledge'. Next post: Tue 2026-03-17 09:00."
    await bot.advance(timedelta(days=1))
    assert [
        at.astimezone(BERLIN).strftime("%d %H:%M") for at, _ in bot.timeline.posts("general")
    ] == ["17 09:00"]  # paused days are not sent late


async def test_preview_renders_the_next_post_without_sending_it(bot):
    bot.clear()
    await bot.command("alice", "calendar", action="preview", entry="knowledge")
    reply = bot.actions[-1]
    assert isinstance(reply, Reply) and reply.ephemeral
    header, text = reply.text.splitlines()[:2]
    assert header == "Preview of 'knowledge' for Sun 2026-03-15 09:00 in #general:"
    assert text.removeprefix("📚 Today: ") in TOPICS
    assert [a for a in bot.actions if isinstance(a, Post)] == []

    await bot.advance(timedelta(hours=3))
    assert bot.timeline.posts("general")[0][1].text == text  # the preview was the real post

    await bot.command("alice", "calendar", action="preview", entry="evening")
    assert bot.actions[-1].text.splitlines()[1:] == [
        "💬 Makers evening talk, 2026-03-16",
        "📊 Poll: How was your day? — great / fine / tough",
    ]
    await bot.command("alice", "calendar", action="preview", entry="knowlege")
    assert bot.actions[-1].text == (
        "There is no calendar entry 'knowlege'. Entries: evening, knowledge. "
        "Did you mean 'knowledge'?"
    )


async def test_a_post_the_platform_refuses_is_not_counted_and_moderators_are_told(bot):
    recording = bot.adapter.execute
    attempts: list[str] = []

    async def flaky(community_id: str, action: object):
        if isinstance(action, Post) and action.channel_id == "general":
            attempts.append(action.text)
            raise PlatformError(PlatformError.UNAVAILABLE, "502 Bad Gateway")
        return await recording(community_id, action)

    bot.adapter.execute = flaky
    await bot.advance(timedelta(hours=3, minutes=5))  # past 09:00 and the 09:01 follow-up
    assert len(attempts) == 4  # retried with backoff by the executor, then given up
    alerts = bot.timeline.posts("mods")
    assert len(alerts) == 1 and "'knowledge' due 2026-03-15 09:00 could not be sent" in (
        alerts[0][1].text
    )
    ref = await bot.runtime.store.community("test", "c1")
    rows = await calendar_store.occurrences_since(bot.runtime.store, ref, START)
    assert [r.status for r in rows if r.entry_id == "knowledge"][-1] == "failed"

    bot.adapter.execute = recording  # the platform is back
    await bot.advance(timedelta(days=1))
    sent = bot.timeline.posts("general")
    assert len(sent) == 1
    assert sent[0][1].text == attempts[0]  # the topic was not used up by the failed post
    assert len(bot.timeline.posts("mods")) == 1  # reported once
    assert not any(isinstance(o.action, AlertModerators) for o in bot.timeline.seen)


async def test_a_reloaded_playbook_moves_an_edited_entry_and_drops_a_removed_one(bot):
    await bot.advance(timedelta(days=1))  # Monday 16 March, 07:00 local: both entries ahead
    edited = PLAYBOOK.replace('cron: "0 9 * * *"', 'cron: "0 11 * * *"')
    edited = edited[: edited.index("    evening:")]  # the evening talk is removed
    bot.playbook.write_text(edited, encoding="utf-8")
    assert bot.runtime.playbooks.default.reload().ok
    bot.timeline.seen.clear()
    await bot.advance(timedelta(days=2))

    mornings = bot.timeline.posts("general")
    assert [at.astimezone(BERLIN).strftime("%d %H:%M") for at, _ in mornings] == [
        "16 11:00",
        "17 11:00",
    ]
    assert bot.timeline.posts("talk") == []
