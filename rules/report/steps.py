"""State changes of the weekly report: draw the chart files, remember the posted period."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.reports.charts import CHARTS
from bot.reports.fonts import find_cjk_font
from bot.reports.model import Report
from bot.rule import ApplyContext, Patch

log = logging.getLogger(__name__)

STATE_KEY = "report.weekly"


def draw(report: Report, language: str, charts: tuple[tuple[str, str], ...]) -> None:
    font = find_cjk_font()
    for name, path in charts:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        CHARTS[name](report, language, path, font)


@dataclass(frozen=True, slots=True)
class RenderCharts(Patch):
    report: Report
    language: str
    charts: tuple[tuple[str, str], ...]  # (chart name, PNG path)

    async def apply(self, ctx: ApplyContext) -> None:
        try:
            # matplotlib takes a second or two: keep the event loop serving other communities
            await asyncio.to_thread(draw, self.report, self.language, self.charts)
        except Exception:  # a broken chart must not stop the text report from being posted
            log.exception("could not draw the report charts for %s", ctx.community.key)


@dataclass(frozen=True, slots=True)
class MarkPosted(Patch):
    """Remember the period, so a restart or a second scheduler run never posts it twice."""

    period: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.set_state(ctx.community, STATE_KEY, {"period": self.period}, self.at)
