"""The weekly report's charts are drawn in child processes: the same pictures, and a drawing
process that dies costs no chart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from matplotlib.image import imread

from bot.reports.score import build_report
from rules.report import steps

from . import WEEK_START, make_metrics

NAMES = ("activity", "heatmap", "tiers", "score")


@pytest.fixture(scope="module")
def report():
    previous = make_metrics(start=WEEK_START - timedelta(days=7))
    return build_report(make_metrics(), previous, language="zh")


def charts(folder) -> steps.Charts:  # noqa: ANN001
    return tuple((name, str(folder / f"{name}.png")) for name in NAMES)


async def test_charts_drawn_apart_are_the_pixels_drawn_here(report, tmp_path):
    steps.draw(report, "zh", charts(tmp_path / "here"))
    await steps.draw_apart(report, "zh", charts(tmp_path / "apart"))

    for name in NAMES:
        here = imread(tmp_path / "here" / f"{name}.png")
        apart = imread(tmp_path / "apart" / f"{name}.png")
        assert here.shape == apart.shape and (here == apart).all(), name


async def test_a_drawing_process_that_died_is_replaced(report, tmp_path):
    await steps.draw_apart(report, "zh", charts(tmp_path / "first"))
    for drawer in steps._drawers():
        assert drawer.process is not None
        drawer.process.kill()
        drawer.process.wait()

    await steps.draw_apart(report, "zh", charts(tmp_path / "second"))

    assert all((tmp_path / "second" / f"{name}.png").is_file() for name in NAMES)
    assert all(d.process is not None and d.process.poll() is None for d in steps._drawers())


async def test_a_chart_the_drawing_process_cannot_draw_is_drawn_here(report, tmp_path, caplog):
    # a share whose process fails (here: every drawer does) is drawn in a
    # thread of the bot, so the posts still find their files
    class Broken(steps._Drawer):
        def draw(self, report: bytes, language: str, charts: steps.Charts) -> None:
            raise RuntimeError("no drawing process here")

    steps._drawers.cache_clear()
    try:
        original = steps._Drawer
        steps._Drawer = Broken  # type: ignore[misc]
        await steps.draw_apart(report, "zh", charts(tmp_path))
    finally:
        steps._Drawer = original  # type: ignore[misc]
        steps._drawers.cache_clear()

    assert all((tmp_path / f"{name}.png").is_file() for name in NAMES)
    assert "drawing here" in caplog.text


async def test_the_drawing_process_exits_when_idle(report, tmp_path, monkeypatch):
    # matplotlib and its fonts (~170 MB) stay resident only around a report, not all week
    monkeypatch.setattr(steps, "IDLE_SECONDS", 0.5)
    await steps.draw_apart(report, "zh", charts(tmp_path / "first"))
    (drawer,) = steps._drawers()
    process = drawer.process
    assert process is not None and process.poll() is None

    await asyncio.sleep(1.5)

    assert drawer.process is None and process.poll() is not None
    await steps.draw_apart(report, "zh", charts(tmp_path / "again"))  # started again on demand
    assert all((tmp_path / "again" / f"{name}.png").is_file() for name in NAMES)
