"""The weekly report arrives in the moderators' channel on the configured weekday and local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.actions import Post
from tests.harness import BotHarness

# Monday 2026-03-02 09:00 Shanghai = 01:00 UTC; the report is due on Mondays at 09:30 local.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def playbook(out: Path, extra: str = "") -> str:
    return f"""
community: {{name: 学习群, timezone: Asia/Shanghai, mod_log_channel: mod-log, language: zh}}
report:
  weekday: mon
  time: "09:30"
  output_dir: "{out}"
{extra}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, playbook(tmp_path / "out"), start=START)
    yield harness
    await harness.close()


async def a_busy_week(bot: BotHarness) -> None:
    for day in range(7):
        await bot.say("alice", "早上好", at=START + timedelta(days=day, hours=1))
        if day % 2:
            await bot.say("bob", "hello", at=START + timedelta(days=day, hours=2))


def report_posts(bot: BotHarness) -> list[Post]:
    return [a for a in bot.actions if isinstance(a, Post) and a.channel_id == "mod-log"]


async def test_report_is_posted_on_monday_at_the_local_time_with_charts(bot):
    await a_busy_week(bot)
    bot.clear()
    # next Monday 09:29 local: not yet
    await bot.sim.advance_to(datetime(2026, 3, 9, 1, 29, tzinfo=UTC))
    assert report_posts(bot) == []
    await bot.sim.advance_to(datetime(2026, 3, 9, 1, 31, tzinfo=UTC))
    await bot.runtime.drain()  # the charts follow the text when drawn

    posts = report_posts(bot)
    text = posts[0].text
    assert "社群健康报告：学习群" in text
    assert "2026-03-02 至 2026-03-08" in text  # the local week that just ended
    assert "健康分" in text
    images = [p.image for p in posts[1:]]
    assert images and all(image and Path(image).is_file() for image in images)
    assert all(Path(image).read_bytes().startswith(b"\x89PNG") for image in images if image)
    assert {Path(i).name for i in images if i} >= {"activity.png", "heatmap.png"}


async def test_report_is_not_posted_twice_for_the_same_week_after_a_restart(bot):
    await a_busy_week(bot)
    await bot.sim.advance_to(datetime(2026, 3, 9, 1, 31, tzinfo=UTC))
    await bot.runtime.drain()
    assert report_posts(bot)
    bot.clear()
    await bot.restart()  # a fresh scheduler that thinks the 09:30 job is still to come
    await bot.sim.advance_to(datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
    assert report_posts(bot) == []
    await bot.sim.advance_to(datetime(2026, 3, 16, 1, 31, tzinfo=UTC))
    assert "2026-03-09 至 2026-03-15" in report_posts(bot)[0].text


async def test_a_week_before_anything_happened_gets_a_no_data_report_without_charts(tmp_path):
    bot = await BotHarness.start(tmp_path, playbook(tmp_path / "out"), start=START)
    try:
        await bot.join("alice")  # a member, but nobody ever posts
        bot.clear()
        await bot.sim.advance_to(datetime(2026, 3, 2, 1, 31, tzinfo=UTC))  # the same Monday
        first = report_posts(bot)
        bot.clear()
        await bot.sim.advance_to(datetime(2026, 3, 9, 1, 31, tzinfo=UTC))
        await bot.runtime.drain()
        quiet = report_posts(bot)
    finally:
        await bot.close()
    # the week before the bot started: nothing measured, so no score and no charts
    assert len(first) == 1 and first[0].image is None
    assert "本期暂无活跃数据" in first[0].text
    # a week where a member was present but silent is scored (participation 0%), no trend chart
    assert "发言参与率：0.0%" in quiet[0].text
    assert "activity.png" not in {Path(p.image).name for p in quiet if p.image}


async def test_report_channel_and_schedule_come_from_the_playbook(tmp_path):
    yaml = playbook(tmp_path / "out").replace("mon", "fri").replace("09:30", "18:00")
    yaml = yaml.replace("output_dir", "channel: reports\n  output_dir")
    bot = await BotHarness.start(tmp_path, yaml, start=START)
    try:
        await a_busy_week(bot)
        await bot.runtime.drain()  # the charts of the week before, still being drawn
        bot.clear()
        await bot.sim.advance_to(datetime(2026, 3, 13, 9, 59, tzinfo=UTC))  # Fri 17:59 local
        assert not [a for a in bot.actions if isinstance(a, Post)]
        await bot.sim.advance_to(datetime(2026, 3, 13, 10, 1, tzinfo=UTC))
        posts = [a for a in bot.actions if isinstance(a, Post)]
    finally:
        await bot.close()
    assert posts and {p.channel_id for p in posts} == {"reports"}
    assert "2026-03-06 至 2026-03-12" in posts[0].text


async def test_a_relative_output_dir_is_next_to_the_playbook_not_where_qunbot_runs(
    tmp_path, monkeypatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # qunbot started from another folder
    book = tmp_path / "book"
    book.mkdir()
    harness = await BotHarness.start(
        tmp_path, start=START, playbook=_write(book, playbook(Path("charts")))
    )
    try:
        await a_busy_week(harness)
        await harness.sim.advance_to(datetime(2026, 3, 9, 1, 31, tzinfo=UTC))
        await harness.runtime.drain()
        images = [Path(p.image) for p in report_posts(harness) if p.image]
    finally:
        await harness.close()
    assert images and all(i.is_file() for i in images)
    assert all(i.is_relative_to(book / "charts") for i in images)
    assert not (elsewhere / "charts").exists()


def _write(folder: Path, text: str) -> Path:
    path = folder / "playbook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_tier_pyramid_follows_the_playbook_ladder():
    from bot.app import playbook_model
    from bot.playbook import load_playbook
    from bot.reports.collect import tier_ladder

    zh = load_playbook(
        Path(__file__).parents[2] / "playbooks" / "zh-learning.yaml", playbook_model()
    )
    ladder = tier_ladder(zh)
    assert ladder is not None
    assert [name for _, name in ladder][:3] == ["潜水", "新人", "活跃"]  # lowest first
    assert tier_ladder(zh.model_copy(update={"points": None})) is None


async def test_two_overlapping_schedulers_post_a_week_once(tmp_path):
    """Two processes on one database both fire the weekly job for the same week, the second
    having read "not posted yet" before the first wrote it (a leader that had not yet noticed
    it lost the lock): the unique claim lets only one through."""
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from rules.report.steps import STATE_KEY
    from tests.harness import COMMUNITY, PLATFORM

    first = await BotHarness.start(tmp_path, playbook(tmp_path / "out"), start=START)
    await a_busy_week(first)
    other_adapter = RecordingAdapter(platform=PLATFORM)
    second = await build_runtime(
        db_url=first.db_url, playbook=first.playbook, adapters={PLATFORM: other_adapter}
    )
    when = datetime(2026, 3, 9, 1, 30, tzinfo=UTC)
    ref = await first.runtime.store.community(PLATFORM, COMMUNITY)
    first.clear()
    await first.runtime.run_job(ref, "report.weekly", when)
    await first.runtime.store.set_state(ref, STATE_KEY, {}, when)  # what the second one saw
    await second.run_job(ref, "report.weekly", when)
    summaries = [
        a
        for _, a in first.adapter.performed + other_adapter.performed
        if isinstance(a, Post) and "社群健康报告" in a.text
    ]
    assert len(summaries) == 1
    await second.close()
    await first.close()


async def test_a_calendar_post_leaves_the_activity_buffered_and_the_report_still_counts_it(
    tmp_path,
):
    # the calendar reads only rows it wrote through, so it runs without flushing first (a cost
    # paid before every job before); the report reads stored activity, so it still flushes
    calendar = """
calendar:
  entries:
    morning: {cron: "0 9 * * *", channel: general, text: "早安！"}
privacy: {prune_at: "09:45"}  # the pruning run flushes too: after the report here
"""
    bot = await BotHarness.start(tmp_path, playbook(tmp_path / "out", calendar), start=START)
    try:
        await bot.say("alice", "早上好", at=START + timedelta(days=6, hours=5))
        await bot.say("bob", "hello", at=START + timedelta(days=6, hours=5, minutes=1))
        assert bot.runtime.store.buffer.events == 2
        # 09:00 local on Monday: the calendar post; the two messages are still only buffered
        await bot.sim.advance_to(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))
        assert [a.text for a in bot.actions if isinstance(a, Post)][-1] == "早安！"
        assert bot.runtime.store.buffer.events == 2
        await bot.sim.advance_to(datetime(2026, 3, 9, 1, 31, tzinfo=UTC))
        assert bot.runtime.store.buffer.events == 0
        text = report_posts(bot)[0].text
        assert "2026-03-02 至 2026-03-08" in text
        assert "暂无数据" not in text and "2" in text  # two members spoke that week
    finally:
        await bot.close()
