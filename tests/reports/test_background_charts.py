"""The weekly report's charts are drawn and posted in the background: the text goes out at once
and the bot keeps handling events while matplotlib works; the charts follow, once each."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.actions import Post
from rules.report import steps
from tests.harness import BotHarness
from tests.reports.test_weekly_post import START, a_busy_week, playbook, report_posts

DUE = datetime(2026, 3, 9, 1, 31, tzinfo=UTC)  # just after Monday 09:30 Shanghai


class SlowDrawer:
    """Stands in for the drawing process: writes each chart's file only when released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.calls = 0

    async def __call__(self, report: object, language: str, charts: steps.Charts) -> None:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        for _, path in charts:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(b"\x89PNG fake")


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, playbook(tmp_path / "out"), start=START)
    yield harness
    await harness.close()


async def test_events_are_handled_while_the_charts_are_drawn_and_the_charts_follow_once(
    bot, monkeypatch
):
    drawer = SlowDrawer()
    monkeypatch.setattr(steps, "draw_apart", drawer)
    await a_busy_week(bot)
    bot.clear()

    await asyncio.wait_for(bot.sim.advance_to(DUE), 30)  # returns before the charts are drawn
    await asyncio.wait_for(drawer.started.wait(), 5)
    posts = report_posts(bot)
    assert len(posts) == 1 and "社群健康报告：学习群" in posts[0].text and posts[0].image is None

    # the bot goes on: a command is answered while the drawing still runs
    await bot.command("carol", "help")
    answered = len(bot.actions)
    assert answered > 1 and not [p for p in report_posts(bot) if p.image]

    drawer.release.set()
    await bot.runtime.drain()
    charts = [p for p in report_posts(bot) if p.image]
    assert charts and all(Path(p.image or "").read_bytes() == b"\x89PNG fake" for p in charts)
    assert len({p.image for p in charts}) == len(charts)  # each chart once
    assert all(bot.actions.index(p) >= answered for p in charts)  # after the command's answer
    assert drawer.calls == 1

    # a restart and the same Monday again: neither the text nor the charts come twice
    bot.clear()
    await bot.restart()
    await bot.sim.advance_to(DUE.replace(hour=3))
    await bot.runtime.drain()
    assert report_posts(bot) == [] and drawer.calls == 1


async def test_a_drawing_failure_still_posts_the_text_and_says_why(bot, monkeypatch, caplog):
    async def broken(report: object, language: str, charts: steps.Charts) -> None:
        raise RuntimeError("matplotlib is gone")

    monkeypatch.setattr(steps, "draw_apart", broken)
    await a_busy_week(bot)
    bot.clear()
    with caplog.at_level(logging.ERROR, logger="rules.report.steps"):
        await bot.sim.advance_to(DUE)
        await bot.runtime.drain()
    assert "社群健康报告：学习群" in report_posts(bot)[0].text
    assert "could not draw the report charts" in caplog.text
    assert "matplotlib is gone" in caplog.text


async def test_closing_the_bot_posts_the_charts_still_being_drawn(bot, monkeypatch):
    drawer = SlowDrawer()
    monkeypatch.setattr(steps, "draw_apart", drawer)
    await a_busy_week(bot)
    bot.clear()
    await bot.sim.advance_to(DUE)
    await asyncio.wait_for(drawer.started.wait(), 5)
    asyncio.get_running_loop().call_later(0.05, drawer.release.set)

    await bot.runtime.close()  # a clean shutdown waits for them

    assert [p for p in report_posts(bot) if p.image]
    assert [a for a in bot.actions if isinstance(a, Post)][0].image is None  # text first
