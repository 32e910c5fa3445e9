"""The weekly health report as a pure rule.

The loader measures the week that just ended (and the one before) — the only reads. The rule
scores it, writes the short text, and decides where the chart images go: it returns a
`RenderCharts` patch plus one `Post` for the text and one per chart. Charts are drawn from the
patch, not the loader, because patches are skipped in dry runs, shadow mode and `/explain`
(nothing is written to disk unless the report is really posted). The patch only starts the
drawing: the text is posted at once and the chart posts, which wait for their files
(`RenderCharts.pending`), run in the background, so the job never waits for matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.actions import Action, Post
from bot.events import Event, Tick
from bot.patches import Claim
from bot.reports.charts import chart_caption, charts_with_data
from bot.reports.collect import PeriodPair, last_full_week, make_report, measure, tier_ladder
from bot.reports.render import render_summary
from bot.rule import CommunityView, Decision, Patch, RuleContext, rule
from rules.report.config import WeeklyReportConfig
from rules.report.steps import STATE_KEY, MarkPosted, RenderCharts, start_drawing

JOB = "report.weekly"


@dataclass(frozen=True, slots=True)
class WeeklySnapshot:
    view: CommunityView
    community: str  # "<platform>-<external id>": the folder of this community's charts
    start: date
    end: date
    measured: PeriodPair
    last_posted: str | None  # the period key of the last report posted


async def load_week(event: Event, cfg: WeeklyReportConfig, ctx: RuleContext) -> WeeklySnapshot:
    tz = ctx.view.tz
    start, end = last_full_week(ctx.now, tz)
    if cfg.charts:
        start_drawing()
    measured = await measure(
        ctx.store,
        ctx.community,
        start,
        end,
        tz=tz,
        now=ctx.now,
        community_name=ctx.view.settings.name,
        top=cfg.top_contributors,
        tiers=tier_ladder(ctx.playbook),
    )
    state = await ctx.store.get_state(ctx.community, STATE_KEY) or {}
    folder = f"{ctx.community.platform}-{ctx.community.external_id}"
    return WeeklySnapshot(ctx.view, folder, start, end, measured, state.get("period"))


def report_channel(cfg: WeeklyReportConfig, view: CommunityView) -> str:
    settings = view.settings
    return cfg.channel or settings.mod_log_channel or settings.default_channel


def _safe_folder(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


@rule(JOB, on=Tick, load=load_week, jobs=(JOB,))
def weekly(event: Tick, cfg: WeeklyReportConfig, snap: WeeklySnapshot, now: datetime) -> Decision:
    period = f"{snap.start.isoformat()}..{snap.end.isoformat()}"
    if snap.last_posted == period:
        return Decision.skip(f"the report for {period} was already posted")
    language = cfg.language or snap.view.settings.language
    report = make_report(snap.measured, cfg.health, language)
    mark = MarkPosted(period, now)
    if not report.has_data and not cfg.post_when_empty:
        return Decision.update([mark], f"no data for {period}; post_when_empty is off")
    # once per period even if two schedulers overlap (the state above is only a quick check)
    claim = Claim(JOB, period, now)

    channel = report_channel(cfg, snap.view)
    folder = Path(cfg.output_dir) / _safe_folder(snap.community) / period.replace("..", "_")
    charts = {name: str(folder / f"{name}.png") for name in charts_with_data(report, cfg.charts)}
    actions: list[Action] = [Post(channel_id=channel, text=render_summary(report))]
    actions += [
        Post(channel_id=channel, text=chart_caption(name, language), image=path)
        for name, path in charts.items()
    ]
    patches: list[Patch] = [claim, mark]
    if charts:
        patches.append(RenderCharts(report, language, tuple(charts.items())))
    score = report.score.total
    why = (
        f"weekly report {period}: score {score:.1f}"
        if score is not None
        else (f"weekly report {period}: no score ({report.current.coverage})")
    )
    return Decision.act(actions, f"{why}, {len(charts)} charts to #{channel}", patches)
