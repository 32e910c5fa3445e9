"""`serve` on SQLite (one process owns every community it serves) and `qunbot calendar FILE`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from typer.testing import CliRunner

from adapters.recording import RecordingAdapter
from bot.actions import Post
from bot.app import build_runtime
from bot.cli import cmd_calendar
from bot.clock import SystemClock
from bot.events import Actor, MessagePosted
from bot.service import serve
from bot.store import Store

PLAYBOOK = """community: {name: Makers, timezone: Europe/Berlin}
calendar:
  entries:
    knowledge:
      cron: "0 9 * * *"
      channel: general
      text: "Today: {topic}"
      pool: [a, b, c]
    night:
      cron: "30 2 * * sun"
      channel: talk
      text: "Night owls, {date}"
"""


async def test_serve_posts_on_time_flushes_counters_and_stops_cleanly(tmp_path: Path) -> None:
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    playbook = tmp_path / "pb.yaml"
    playbook.write_text(
        "community: {name: Makers, timezone: UTC}\ncalendar:\n  entries:\n    soon:\n"
        f'      channel: general\n      text: "now"\n      at: ["{at:%Y-%m-%d %H:%M:%S}"]\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    adapter = RecordingAdapter(platform="test")
    runtime = await build_runtime(db_url=db, playbook=playbook, adapters={"test": adapter})
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(
            runtime,
            {"test": adapter},
            clock=SystemClock(),
            poll_seconds=0.2,
            stop_event=stop,
            flush_seconds=0.2,
        )
    )
    await runtime.handle(
        MessagePosted(  # a message: a new community and a buffered counter
            platform="test",
            community_id="c1",
            occurred_at=datetime.now(UTC),
            channel_id="general",
            message_id="m1",
            author=Actor(user_id="alice", name="alice"),
            text="hello",
        )
    )
    for _ in range(60):
        if adapter.performed:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 10)

    assert [a.text for _, a in adapter.performed if isinstance(a, Post)] == ["now"]
    store = await Store.open(db)  # the service closed its store; the counter was flushed
    ref = await store.community("test", "c1")
    assert (await store.member(ref, "alice")).message_count == 1
    await store.close()


def test_qunbot_calendar_prints_the_month_with_local_times(tmp_path: Path) -> None:
    playbook = tmp_path / "pb.yaml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    app = typer.Typer()
    cmd_calendar.register(app)
    app.command("noop")(lambda: None)  # two commands: `calendar` stays a subcommand

    result = CliRunner().invoke(
        app, ["calendar", str(playbook), "--month", "2026-10"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "35 posts" in lines[-1]  # 31 mornings + 4 Sundays; the repeated 02:30 once
    assert any(
        "Sun 25" in line and "02:30 CEST" in line and "Night owls, 2026-10-25" in line
        for line in lines
    )
    assert any("Mon 26" in line and "09:00 CET" in line for line in lines)

    bad = tmp_path / "bad.yaml"
    bad.write_text(PLAYBOOK.replace("0 9 * * *", "0 9 * * funday"), encoding="utf-8")
    result = CliRunner().invoke(app, ["calendar", str(bad)])
    assert result.exit_code == 2 and "bad.yaml:5:" in result.output


def test_qunbot_calendar_shows_a_pool_as_rotating_without_a_database(tmp_path: Path) -> None:
    playbook = tmp_path / "pb.yaml"
    solo = 'solo:\n      cron: "0 12 1 * *"\n      channel: general\n'
    solo += '      text: "Only {topic}"\n      pool: [python]\n'
    one = PLAYBOOK.replace("    night:", "    " + solo + "    night:")
    playbook.write_text(one, encoding="utf-8")
    app = typer.Typer()
    cmd_calendar.register(app)
    app.command("noop")(lambda: None)

    result = CliRunner().invoke(
        app, ["calendar", str(playbook), "--month", "2026-10"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "{topic}" not in result.output
    assert result.output.count("Today: (rotating: 3 topics)") == 31
    assert "Only python" in result.output  # a one-item pool is deterministic


async def test_with_a_database_the_calendar_shows_the_topics_the_bot_then_posts(
    tmp_path: Path,
) -> None:
    from bot.app import playbook_model
    from bot.playbook import load_playbook
    from tests.harness import BotHarness

    start = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)  # 08:00 in Berlin
    text = PLAYBOOK.replace("pool: [a, b, c]", "pool: [a, b, c, d, e]")
    bot = await BotHarness.start(tmp_path, text, start=start)
    try:
        await bot.join("alice")  # the community exists from its first event
        await bot.sim.advance_to(datetime(2026, 10, 9, 12, 0, tzinfo=UTC))  # 9 posts out
        now = bot.sim.now
        model = load_playbook(bot.playbook, playbook_model())
        forecast = await cmd_calendar.forecast_topics(
            bot.db_url, None, model, datetime(2026, 10, 1).date(), now
        )
        table = cmd_calendar.month_posts(model, datetime(2026, 10, 1).date(), forecast)
        bot.clear()
        await bot.sim.advance_to(datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
        posted = [t.removeprefix("Today: ") for t in bot.texts("post") if t.startswith("Today")]
    finally:
        await bot.close()

    shown = [row[3].removeprefix("Today: ") for row in table if row[1] == "knowledge"]
    assert len(shown) == 31
    assert all(topic in "abcde" for topic in shown)  # the first nine as they were posted
    assert shown[9:] == posted  # the rest: exactly what the bot went on to post
    assert set(shown[:5]) == set("abcde") and set(shown[5:10]) == set("abcde")  # no repeats
