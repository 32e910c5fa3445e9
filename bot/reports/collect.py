"""From the store to a `Report`: measure a period and the one before it, then score.

Used by the weekly report rule's loader, `qunbot report` and `qunbot demo`. Reading only: the
store's metric queries (bot/store/reports.py) do the SQL.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from bot.reports.charts import render_charts
from bot.reports.model import PeriodMetrics, Report
from bot.reports.render import render_html, render_json, render_markdown
from bot.reports.score import HealthConfig, build_report
from bot.store import CommunityRef, Store
from bot.store.reports import (
    TierLadder,
    local_bounds,
    period_metrics,
    previous_period,
    roster,
)


@dataclass(frozen=True, slots=True)
class PeriodPair:
    current: PeriodMetrics
    previous: PeriodMetrics | None


def tier_ladder(playbook: Any) -> TierLadder | None:
    """The playbook's tier ladder, lowest first, as (id, name); None when tiers are off."""
    points = getattr(playbook, "points", None)
    tiers = getattr(points, "tiers", None)
    if points is None or tiers is None or not points.enabled or not tiers.enabled:
        return None
    return tuple((tier.id, tier.name) for tier in tiers.ladder)


def last_full_week(now: datetime, tz: tzinfo, days: int = 7) -> tuple[date, date]:
    """The `days` complete local days that ended at the last local midnight."""
    today = now.astimezone(tz).date()
    return today - timedelta(days=days), today - timedelta(days=1)


async def measure(
    store: Store,
    ref: CommunityRef,
    start: date,
    end: date,
    *,
    tz: tzinfo,
    now: datetime,
    community_name: str = "",
    top: int = 5,
    tiers: TierLadder | None = None,
) -> PeriodPair:
    """The period and the one of the same length before it (None before any data existed).
    `tiers`: the playbook's tier ladder (see `tier_ladder`)."""
    await store.flush()  # buffered counters belong in the report
    known = await roster(store, ref)  # the members, read once for both periods

    async def one(first: date, last: date) -> PeriodMetrics:
        return await period_metrics(
            store,
            ref,
            first,
            last,
            tz=tz,
            now=now,
            community_name=community_name,
            top=top,
            tiers=tiers,
            known=known,
        )

    current = await _with_referrals(store, ref, await one(start, end), tz, now)
    previous = await one(*previous_period(start, end))
    return PeriodPair(current, previous if previous.has_data else None)


async def _with_referrals(
    store: Store, ref: CommunityRef, metrics: PeriodMetrics, tz: tzinfo, now: datetime
) -> PeriodMetrics:
    """The referrals section, when that capability has attributed joins here."""
    if metrics.coverage in ("future", "empty"):
        return metrics
    from rules.referrals.report import referral_stats  # the capability's own queries

    since, until = local_bounds(metrics.period_start, metrics.period_end, tz)
    stats = await referral_stats(store, ref, since, min(until, now), now, metrics.active_members)
    return replace(metrics, referrals=stats) if stats is not None else metrics


def make_report(
    pair: PeriodPair, health: HealthConfig | None = None, language: str = "en"
) -> Report:
    return build_report(pair.current, pair.previous, health, language)


FORMATS = ("md", "json", "png", "html")


def write_report(report: Report, out_dir: str | Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write the report in the given formats into `out_dir`: report.md, report.json,
    report.html (charts embedded) and one PNG per chart. Returns {name: path}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as scratch:
        charts: Mapping[str, Path] = {}
        if "png" in formats or "html" in formats:
            # HTML alone embeds the charts: draw them in a scratch folder, not next to it
            charts = render_charts(report, report.language, out if "png" in formats else scratch)
            if "png" in formats:
                written.update({f"{name}.png": path for name, path in charts.items()})
        texts = {"md": render_markdown, "json": render_json}
        for fmt, render in texts.items():
            if fmt in formats:
                path = out / f"report.{fmt}"
                path.write_text(render(report), encoding="utf-8")
                written[path.name] = path
        if "html" in formats:
            path = out / "report.html"
            path.write_text(render_html(report, charts), encoding="utf-8")
            written[path.name] = path
    return written
