"""The health report of any period, built with the same functions as `qunbot report`."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.reports import Report
from bot.reports.collect import last_full_week, make_report, measure, tier_ladder, write_report
from bot.store import CommunityRef, Store

_charts = asyncio.Lock()  # matplotlib draws one report at a time


def period(playbook: Any, now: datetime, start: date | None, end: date | None) -> tuple[date, date]:
    """The asked period; by default the last full week, as the weekly report has it."""
    default_start, default_end = last_full_week(now, playbook.community.tz)
    if start and not end:
        end = start + timedelta(days=6)
    if end and not start:
        start = end - timedelta(days=6)
    return start or default_start, end or default_end


async def build(
    store: Store,
    ref: CommunityRef,
    playbook: Any,
    start: date,
    end: date,
    now: datetime,
    language: str,
) -> Report:
    settings = playbook.community
    section = getattr(playbook, "report", None)
    pair = await measure(
        store,
        ref,
        start,
        end,
        tz=settings.tz,
        now=now,
        community_name=settings.name,
        top=section.top_contributors if section is not None else 5,
        tiers=tier_ladder(playbook),
    )
    return make_report(pair, section.health if section is not None else None, language)


def _html(report: Report) -> str:
    with tempfile.TemporaryDirectory() as folder:
        written = write_report(report, folder, ("html",))
        return Path(written["report.html"]).read_text(encoding="utf-8")


async def html(report: Report) -> str:
    """The report page with its charts embedded (drawn off the event loop)."""
    async with _charts:
        return await asyncio.to_thread(_html, report)
