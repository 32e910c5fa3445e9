"""A report as text: a short Markdown summary for the moderators' channel, a full Markdown page
for operators, JSON with stable keys, and a self-contained HTML page with the charts embedded.

Labels follow `report.language` ("en" or "zh"). Names and questions come from members, so they are
escaped for Markdown/HTML and cannot ping everyone.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.reports import referrals
from bot.reports.model import (
    RATE_METRICS,
    Change,
    PeriodMetrics,
    Report,
    scalar_metrics,
)
from bot.reports.score import INDICATOR_NAMES, format_indicator_value, pick_text

JSON_SCHEMA = "qunbot.health_report/1"
SHORT_LIMIT = 1900  # Discord's message limit is 2,000 characters; Telegram's 4,096.

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Community health report: {community}",
        "period": "{start} – {end} ({days} days)",
        "score": "Health score",
        "no_data": "No activity data for this period yet: nothing to score.",
        "future": "This period has not started yet: there is nothing to report.",
        "empty": "This community has no members or messages yet: there is nothing to report.",
        "not_over": "The period is not over yet: figures are measured up to now.",
        "partial": "Scored on {counted} of {total} indicators; no data for {missing} "
        "(their weight was spread over the others).",
        "suggestions": "Suggestions",
        "no_suggestions": "No weak spots this period: keep going.",
        "overview": "Overview",
        "metric": "Metric",
        "this_period": "This period",
        "previous": "Previous",
        "change": "Change",
        "indicator": "Indicator",
        "value": "Value",
        "target": "Good at",
        "points": "Points",
        "breakdown": "Score breakdown",
        "no_data_cell": "no data",
        "peak": "Busiest hours",
        "top": "Top contributors",
        "messages": "messages",
        "silent": "Silent members",
        "silent_for": "silent for {tier}+",
        "checkins": "Check-ins",
        "checkin_rate": "Participation",
        "on_streak": "Members on a streak",
        "longest": "Longest streak",
        "mean_streak": "Mean streak",
        "moderation": "Moderation",
        "cases": "Cases (incidents)",
        "actions": "Actions taken",
        "spam_removed": "Spam removed",
        "reversals": "Reversed",
        "tiers": "Tiers",
        "faq": "Top FAQ answers",
        "answered": "answered {count}×",
        "charts": "Charts",
        "pp": "pp",
        "colon": ": ",
    },
    "zh": {
        "title": "社群健康报告：{community}",
        "period": "{start} 至 {end}（{days} 天）",
        "score": "健康分",
        "no_data": "本期暂无活跃数据，无法评分。",
        "future": "该时段尚未开始，暂无可报告的内容。",
        "empty": "社群还没有成员或消息，暂无可报告的内容。",
        "not_over": "本期尚未结束：数据统计截至当前。",
        "partial": "本期按 {total} 项指标中的 {counted} 项评分；{missing} 暂无数据"
        "（其权重已按比例分配给其他指标）。",
        "suggestions": "运营建议",
        "no_suggestions": "本期没有明显短板，继续保持。",
        "overview": "概览",
        "metric": "指标",
        "this_period": "本期",
        "previous": "上期",
        "change": "变化",
        "indicator": "评分项",
        "value": "数值",
        "target": "良好线",
        "points": "得分",
        "breakdown": "评分明细",
        "no_data_cell": "无数据",
        "peak": "发言高峰时段",
        "top": "发言排行",
        "messages": "条消息",
        "silent": "沉默成员",
        "silent_for": "沉默 {tier} 以上",
        "checkins": "打卡",
        "checkin_rate": "参与率",
        "on_streak": "连续打卡中的成员",
        "longest": "最长连续天数",
        "mean_streak": "平均连续天数",
        "moderation": "管理",
        "cases": "处理事件",
        "actions": "执行的处理",
        "spam_removed": "清除垃圾消息",
        "reversals": "撤销",
        "tiers": "成员层级",
        "faq": "常见问题解答排行",
        "answered": "解答 {count} 次",
        "charts": "图表",
        "pp": "个百分点",
        "colon": "：",
    },
}

METRIC_NAMES: dict[str, dict[str, str]] = {
    "members_at_end": {"en": "Members", "zh": "成员数"},
    "dau_mean": {"en": "Daily active (mean)", "zh": "日活（均值）"},
    "wau": {"en": "Weekly active", "zh": "周活"},
    "mau": {"en": "Monthly active", "zh": "月活"},
    "stickiness": {"en": "Stickiness (DAU/MAU)", "zh": "粘性（日活/月活）"},
    "total_messages": {"en": "Messages", "zh": "消息数"},
    "messages_per_day_mean": {"en": "Messages per day", "zh": "日均消息数"},
    "messages_per_member_week": {
        "en": "Messages per member / week",
        "zh": "人均周消息数",
    },
    "active_members": {"en": "Members who posted", "zh": "发言成员数"},
    "participation_rate": {"en": "Participation", "zh": "发言参与率"},
    "joins": {"en": "Joins", "zh": "入群"},
    "leaves": {"en": "Leaves", "zh": "退群"},
    "leave_rate": {"en": "Leave rate", "zh": "退群率"},
    "net_growth": {"en": "Net growth", "zh": "净增长"},
    "growth_rate": {"en": "Net growth rate", "zh": "净增长率"},
    "newcomer_retention_7d": {"en": "Newcomer 7-day retention", "zh": "新人 7 日留存"},
    "newcomer_retention_30d": {
        "en": "Newcomer 30-day retention",
        "zh": "新人 30 日留存",
    },
    "checkin_participation": {"en": "Check-in participation", "zh": "打卡参与率"},
    "reactivation_rate": {"en": "Reactivation", "zh": "沉默唤醒回流率"},
    "tier_movement_rate": {"en": "Tier movement", "zh": "层级跃迁率"},
    "moderation_load": {"en": "Moderation per 100 messages", "zh": "每百条消息管理量"},
}

# The figures the short summary shows, when measured.
_SHORT_METRICS = (
    "total_messages",
    "dau_mean",
    "stickiness",
    "participation_rate",
    "newcomer_retention_7d",
    "leave_rate",
)
_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~>])")


def _t(report: Report, key: str, **values: object) -> str:
    return _LABELS.get(report.language, _LABELS["en"])[key].format(**values)


def _metric_name(metric: str, language: str) -> str:
    return pick_text(METRIC_NAMES[metric], language)


def _safe(text: str) -> str:
    """Member-written text inside Markdown: no formatting, no @everyone/@here pings."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


def format_metric(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric in RATE_METRICS:
        return f"{value * 100:.1f}%"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"


def format_change(change: Change, language: str) -> str:
    """'▲ 12.5%' for counts, '▲ 1.3 pp' for rates; '' when there is nothing to compare."""
    absolute = change.absolute
    if absolute is None:
        return ""
    arrow = {"up": "▲", "down": "▼", "flat": "="}[change.direction or "flat"]
    if change.direction == "flat":
        return arrow
    if change.metric in RATE_METRICS:
        pp = _LABELS.get(language, _LABELS["en"])["pp"]
        return f"{arrow} {abs(absolute) * 100:.1f} {pp}"
    if change.relative is None:  # from zero: a relative change means nothing
        return f"{arrow} {format_metric(change.metric, abs(absolute))}"
    return f"{arrow} {abs(change.relative) * 100:.1f}%"


def _score_line(report: Report) -> str:
    score = report.score
    label = _t(report, "score") + _t(report, "colon")
    if score.total is None:
        if score.missing:
            sep = "；" if report.language == "zh" else "; "
            return f"{label}{score.grade_label}{_t(report, 'colon')}{sep.join(score.missing)}"
        return f"{label}{score.grade_label}"
    return f"{label}**{score.total:.1f} / 100** · {score.grade_label}"


def _partial_note(report: Report) -> str | None:
    score = report.score
    if not score.renormalised:
        return None
    counted = [i for i in score.indicators if i.weight > 0]
    missing = "、" if report.language == "zh" else ", "
    return _t(
        report,
        "partial",
        counted=len(counted) - len(score.excluded),
        total=len(counted),
        missing=missing.join(
            pick_text(INDICATOR_NAMES[key], report.language) for key in score.excluded
        ),
    )


def _header(report: Report) -> list[str]:
    m = report.current
    lines = [
        f"## {_t(report, 'title', community=_safe(m.community))}",
        _t(report, "period", start=m.period_start, end=m.period_end, days=m.days),
    ]
    if m.coverage == "partial":
        lines.append(f"_{_t(report, 'not_over')}_")
    return lines


def _nothing_to_report(report: Report) -> str:
    """Why there is no score: a future period, an empty community, or a quiet period."""
    coverage = report.current.coverage
    return _t(report, coverage if coverage in ("future", "empty") else "no_data")


def render_summary(report: Report) -> str:
    """A few lines for the moderators' channel; always under Discord's 2,000 characters."""
    lines = _header(report)
    if not report.has_data:
        lines += ["", _nothing_to_report(report)]
        return "\n".join(lines)
    lines += ["", _score_line(report)]
    comparison = report.comparison
    for metric in _SHORT_METRICS:
        change = comparison[metric]
        if change.current is None:
            continue
        delta = format_change(change, report.language)
        shown = format_metric(metric, change.current)
        name = _metric_name(metric, report.language)
        colon = _t(report, "colon")
        lines.append(f"• {name}{colon}{shown}" + (f" ({delta})" if delta else ""))
    m = report.current
    if m.joins is not None and m.leaves is not None:
        joins, leaves = (
            _metric_name("joins", report.language),
            _metric_name("leaves", report.language),
        )
        lines.append(
            f"• {joins} / {leaves}{_t(report, 'colon')}+{m.joins} / −{m.leaves} ({m.net_growth:+d})"
        )
    note = _partial_note(report)
    if note:
        lines += ["", f"_{note}_"]
    if report.suggestions:
        lines += ["", f"**{_t(report, 'suggestions')}**"]
        lines += [f"{n}. {s.text}" for n, s in enumerate(report.suggestions, 1)]
    text = "\n".join(lines)
    return text if len(text) <= SHORT_LIMIT else text[: SHORT_LIMIT - 1] + "…"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _peak_slots(metrics: PeriodMetrics, language: str, count: int = 3) -> list[str]:
    if metrics.peak_hours is None:
        return []
    cells = [
        (messages, day, hour)
        for day, row in enumerate(metrics.peak_hours)
        for hour, messages in enumerate(row)
        if messages
    ]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    names = _WEEKDAYS.get(language, _WEEKDAYS["en"])
    return [f"{names[d]} {h:02d}:00–{h + 1:02d}:00 ({n})" for n, d, h in cells[:count]]


CASE_KINDS: dict[str, dict[str, str]] = {
    "en": {"delete": "message deleted"},
    "zh": {"warn": "警告", "delete": "删除消息", "timeout": "禁言", "kick": "踢出", "ban": "封禁"},
}


def _case_kind(kind: str, language: str) -> str:
    return CASE_KINDS.get(language, {}).get(kind, kind)


def render_markdown(report: Report) -> str:
    """The operators' full report."""
    lang = report.language
    lines = _header(report)
    if not report.has_data:
        lines += ["", _nothing_to_report(report)]
        return "\n".join(lines) + "\n"
    m = report.current
    lines += ["", _score_line(report)]
    note = _partial_note(report)
    if note:
        lines += ["", f"_{note}_"]

    lines += ["", f"### {_t(report, 'suggestions')}", ""]
    if report.suggestions:
        lines += [f"{n}. {s.text}" for n, s in enumerate(report.suggestions, 1)]
    else:
        lines.append(_t(report, "no_suggestions"))

    rows = [
        [
            _metric_name(c.metric, lang),
            format_metric(c.metric, c.current),
            format_metric(c.metric, c.previous),
            format_change(c, lang),
        ]
        for c in report.comparison.changes
        if c.current is not None or c.previous is not None
    ]
    header = [_t(report, k) for k in ("metric", "this_period", "previous", "change")]
    lines += ["", f"### {_t(report, 'overview')}", "", *_table(header, rows)]

    if report.score.total is not None or report.score.missing:
        rows = []
        for i in report.score.indicators:
            if i.weight <= 0:
                continue
            points = (
                f"{i.points:.1f} / {i.max_points:.1f}"
                if i.points is not None
                else "—"
                if report.score.missing and i.value is not None
                else _t(report, "no_data_cell")
            )
            rows.append(
                [
                    pick_text(INDICATOR_NAMES[i.key], lang),
                    format_indicator_value(i.key, i.value),
                    format_indicator_value(i.key, i.good),
                    points,
                ]
            )
        header = [_t(report, k) for k in ("indicator", "value", "target", "points")]
        lines += ["", f"### {_t(report, 'breakdown')}", "", *_table(header, rows)]

    slots = _peak_slots(m, lang)
    if slots:
        lines += ["", f"### {_t(report, 'peak')} ({m.timezone})", ""]
        lines += [f"- {slot}" for slot in slots]
    if m.top_contributors:
        lines += ["", f"### {_t(report, 'top')}", ""]
        lines += [
            f"{n}. {_safe(c.name)} — {c.messages:,} {_t(report, 'messages')}"
            for n, c in enumerate(m.top_contributors, 1)
        ]
    if m.silent_share:
        lines += ["", f"### {_t(report, 'silent')}", ""]
        lines += [
            f"- {_t(report, 'silent_for', tier=tier)}: {share * 100:.1f}%"
            for tier, share in m.silent_share.items()
        ]
    if m.checkin_participation is not None or m.checkin_streaks is not None:
        lines += ["", f"### {_t(report, 'checkins')}", ""]
        lines.append(
            f"- {_t(report, 'checkin_rate')}: "
            f"{format_metric('checkin_participation', m.checkin_participation)}"
        )
        streaks = m.checkin_streaks
        if streaks is not None:
            for key, value in (
                ("on_streak", streaks.members_on_streak),
                ("longest", streaks.longest),
                ("mean_streak", streaks.mean),
            ):
                if value is not None:
                    lines.append(f"- {_t(report, key)}: {format_metric(key, value)}")
    if m.moderation is not None:
        mod = m.moderation
        lines += ["", f"### {_t(report, 'moderation')}", ""]
        by_type = ", ".join(
            f"{_case_kind(kind, lang)} {count}" for kind, count in mod.cases_by_type.items()
        )
        lines.append(
            f"- {_t(report, 'cases')}: {mod.total_cases}" + (f" ({by_type})" if by_type else "")
        )
        if mod.actions_by_type:
            steps = ", ".join(
                f"{_case_kind(kind, lang)} {count}" for kind, count in mod.actions_by_type.items()
            )
            lines.append(f"- {_t(report, 'actions')}: {mod.total_actions} ({steps})")
        if mod.spam_removed is not None:
            lines.append(f"- {_t(report, 'spam_removed')}: {mod.spam_removed}")
        if mod.reversals is not None:
            lines.append(f"- {_t(report, 'reversals')}: {mod.reversals}")
    if m.tier_distribution:
        lines += ["", f"### {_t(report, 'tiers')}", ""]
        # Highest tier first, as people read a pyramid from the top.
        lines += [f"- {_safe(tier)}: {count:,}" for tier, count in reversed(m.tier_distribution)]
        if m.tier_movement_rate is not None:
            lines.append(
                f"- {_metric_name('tier_movement_rate', lang)}: "
                f"{format_metric('tier_movement_rate', m.tier_movement_rate)}"
            )
    if m.faq_top:
        lines += ["", f"### {_t(report, 'faq')}", ""]
        lines += [
            f"{n}. {_safe(f.question)} — {_t(report, 'answered', count=f.answered)}"
            for n, f in enumerate(m.faq_top, 1)
        ]
    lines += referrals.markdown_lines(report, _safe)
    return "\n".join(lines) + "\n"


def _metrics_dict(m: PeriodMetrics) -> dict[str, Any]:
    streaks = m.checkin_streaks
    moderation = m.moderation
    return {
        "community": m.community,
        "period": {
            "start": m.period_start.isoformat(),
            "end": m.period_end.isoformat(),
            "days": m.days,
            "timezone": m.timezone,
            "coverage": m.coverage,
        },
        "has_data": m.has_data,
        "metrics": scalar_metrics(m),
        "members_at_start": m.members_at_start,
        "messages_per_day": list(m.messages_per_day),
        "dau_per_day": list(m.dau_per_day),
        "peak_hours": [list(row) for row in m.peak_hours] if m.peak_hours else None,
        "top_contributors": [
            {"name": c.name, "user_id": c.user_id, "messages": c.messages}
            for c in m.top_contributors
        ],
        "silent_share": dict(m.silent_share),
        "checkin_streaks": None
        if streaks is None
        else {
            "members_on_streak": streaks.members_on_streak,
            "longest": streaks.longest,
            "mean": streaks.mean,
        },
        "moderation": None
        if moderation is None
        else {
            "cases_by_type": dict(moderation.cases_by_type),
            "total_cases": moderation.total_cases,
            "actions_by_type": dict(moderation.actions_by_type),
            "total_actions": moderation.total_actions,
            "spam_removed": moderation.spam_removed,
            "reversals": moderation.reversals,
        },
        "tiers": [{"tier": tier, "members": count} for tier, count in m.tier_distribution],
        "faq_top": [{"question": f.question, "answered": f.answered} for f in m.faq_top],
        "referrals": referrals.as_dict(m.referrals),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    score = report.score
    return {
        "schema": JSON_SCHEMA,
        "language": report.language,
        "current": _metrics_dict(report.current),
        "previous": None if report.previous is None else _metrics_dict(report.previous),
        "comparison": {
            c.metric: {
                "current": c.current,
                "previous": c.previous,
                "absolute": c.absolute,
                "relative": c.relative,
            }
            for c in report.comparison.changes
        },
        "score": {
            "total": score.total,
            "grade": score.grade,
            "grade_label": score.grade_label,
            "excluded": list(score.excluded),
            "missing": list(score.missing),
            "renormalised": score.renormalised,
            "indicators": [
                {
                    "key": i.key,
                    "value": i.value,
                    "weight": i.weight,
                    "good": i.good,
                    "poor": i.poor,
                    "quality": i.quality,
                    "max_points": i.max_points,
                    "points": i.points,
                }
                for i in score.indicators
            ],
        },
        "suggestions": [{"indicator": s.indicator, "text": s.text} for s in report.suggestions],
    }


def render_json(report: Report) -> str:
    return json.dumps(
        report_to_dict(report),
        ensure_ascii=False,
        sort_keys=True,
        indent=2,
        allow_nan=False,
    )


_CSS = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",
sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 10px;
text-align:left}th{background:#f4f6f8}.score{font-size:2em;font-weight:bold}
img{max-width:100%;margin:1em 0}.note{color:#666;font-style:italic}
"""


def render_html(report: Report, charts: Mapping[str, str | Path] | None = None) -> str:
    """One self-contained page: tables from the full report, charts embedded as base64 PNG."""
    esc = html.escape
    lang = report.language
    m = report.current
    title = _t(report, "title", community=m.community)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(_t(report, 'period', start=m.period_start, end=m.period_end, days=m.days))}</p>",
    ]
    if not report.has_data:
        parts += [f"<p>{esc(_nothing_to_report(report))}</p>", "</body></html>"]
        return "\n".join(parts)
    score = report.score
    if score.total is not None:
        parts.append(
            f'<p>{esc(_t(report, "score"))}: <span class="score">{score.total:.1f}</span> / 100 '
            f"· {esc(score.grade_label)}</p>"
        )
    note = _partial_note(report)
    if note:
        parts.append(f'<p class="note">{esc(note)}</p>')
    parts.append(f"<h2>{esc(_t(report, 'suggestions'))}</h2>")
    if report.suggestions:
        parts.append(
            "<ol>" + "".join(f"<li>{esc(s.text)}</li>" for s in report.suggestions) + "</ol>"
        )
    else:
        parts.append(f"<p>{esc(_t(report, 'no_suggestions'))}</p>")

    header = "".join(
        f"<th>{esc(_t(report, k))}</th>" for k in ("metric", "this_period", "previous", "change")
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{esc(cell)}</td>"
            for cell in (
                _metric_name(c.metric, lang),
                format_metric(c.metric, c.current),
                format_metric(c.metric, c.previous),
                format_change(c, lang),
            )
        )
        + "</tr>"
        for c in report.comparison.changes
        if c.current is not None or c.previous is not None
    )
    parts += [
        f"<h2>{esc(_t(report, 'overview'))}</h2>",
        f"<table><tr>{header}</tr>{rows}</table>",
    ]

    if charts:
        parts.append(f"<h2>{esc(_t(report, 'charts'))}</h2>")
        for name, path in charts.items():
            data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
            parts.append(f'<img alt="{esc(name)}" src="data:image/png;base64,{data}">')

    if m.top_contributors:
        parts.append(f"<h2>{esc(_t(report, 'top'))}</h2><ol>")
        parts += [
            f"<li>{esc(c.name)} — {c.messages:,} {esc(_t(report, 'messages'))}</li>"
            for c in m.top_contributors
        ]
        parts.append("</ol>")
    if m.faq_top:
        parts.append(f"<h2>{esc(_t(report, 'faq'))}</h2><ol>")
        parts += [
            f"<li>{esc(f.question)} — {esc(_t(report, 'answered', count=f.answered))}</li>"
            for f in m.faq_top
        ]
        parts.append("</ol>")
    parts += referrals.html_parts(report)
    parts.append("</body></html>")
    return "\n".join(parts)
