"""The referrals section of a report (Markdown, JSON, HTML) and its chart: new members by
source, retention of invited and organic members, the referral factor, top inviters."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from bot.reports.fonts import FontChoice, chart_fonts
from bot.reports.model import ReferralStats, Report
from bot.reports.mpl import new_figure

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Referrals",
        "by_source": "New members by source",
        "member": "through members' links",
        "link": "through other links",
        "unknown": "invite unknown",
        "none": "without a link",
        "campaign": "campaign {name}",
        "retention": "Still here after {days} days",
        "invited": "invited",
        "organic": "organic",
        "factor": "Referral factor (members' invites per active member)",
        "rewarded": "Invitees who earned their inviter a reward",
        "top": "Top inviters",
        "inviter_line": "{name} — {joined} joined, {stayed} stayed",
        "chart_joins": "New members",
        "chart_retention": "Retention after {days} days",
        "no_cohort": "not enough days yet",
    },
    "zh": {
        "title": "裂变邀请",
        "by_source": "新成员来源",
        "member": "成员邀请链接",
        "link": "其他链接",
        "unknown": "无法确定",
        "none": "未通过链接",
        "campaign": "活动「{name}」",
        "retention": "{days} 天后仍在群内",
        "invited": "受邀成员",
        "organic": "自然加入",
        "factor": "裂变系数（每位活跃成员带来的受邀新成员）",
        "rewarded": "为邀请人赢得奖励的受邀成员",
        "top": "邀请榜",
        "inviter_line": "{name} — 邀请 {joined} 人，留下 {stayed} 人",
        "chart_joins": "新成员",
        "chart_retention": "{days} 天留存",
        "no_cohort": "天数不足",
    },
}
SOURCES = ("member", "link", "unknown", "none")
COLORS = {"member": "#2e9e5b", "link": "#5b9bd5", "unknown": "#bfbfbf", "none": "#f0ad4e"}


def _t(language: str, key: str, **values: object) -> str:
    return _LABELS.get(language, _LABELS["en"])[key].format(**values)


def _rate(value: float | None, language: str) -> str:
    return f"{value * 100:.0f}%" if value is not None else _t(language, "no_cohort")


def _lines(r: ReferralStats, language: str, safe: Any) -> tuple[list[str], list[str], list[str]]:
    sources = [f"{_t(language, s)}: {r.joins_by_source.get(s, 0):,}" for s in SOURCES]
    sources += [
        f"{_t(language, 'campaign', name=safe(name))}: {n:,}"
        for name, n in r.joins_by_campaign.items()
    ]
    facts = [
        f"{_t(language, 'retention', days=r.retention_days)}: "
        f"{_t(language, 'invited')} {_rate(r.invited_retention, language)} · "
        f"{_t(language, 'organic')} {_rate(r.organic_retention, language)}",
        f"{_t(language, 'factor')}: "
        + (f"{r.referral_factor:.2f}" if r.referral_factor is not None else "—"),
        f"{_t(language, 'rewarded')}: {r.rewarded:,}",
    ]
    top = [
        _t(language, "inviter_line", name=safe(i.name), joined=i.joined, stayed=i.stayed)
        for i in r.top_inviters
    ]
    return sources, facts, top


def markdown_lines(report: Report, safe: Any) -> list[str]:
    r = report.current.referrals
    if r is None:
        return []
    lang = report.language
    sources, facts, top = _lines(r, lang, safe)
    out = ["", f"### {_t(lang, 'title')}", "", f"{_t(lang, 'by_source')}:"]
    out += [f"- {line}" for line in sources]
    out += [""] + [f"- {line}" for line in facts]
    if top:
        out += ["", f"{_t(lang, 'top')}:", ""] + [f"{n}. {t}" for n, t in enumerate(top, 1)]
    return out


def html_parts(report: Report) -> list[str]:
    r = report.current.referrals
    if r is None:
        return []
    lang = report.language
    sources, facts, top = _lines(r, lang, html.escape)
    parts = [f"<h2>{html.escape(_t(lang, 'title'))}</h2>"]
    parts.append(f"<p>{html.escape(_t(lang, 'by_source'))}</p><ul>")
    parts += [f"<li>{line}</li>" for line in sources]
    parts.append("</ul><ul>")
    parts += [f"<li>{html.escape(line)}</li>" for line in facts]
    parts.append("</ul>")
    if top:
        parts.append(f"<p>{html.escape(_t(lang, 'top'))}</p><ol>")
        parts += [f"<li>{line}</li>" for line in top]
        parts.append("</ol>")
    return parts


def as_dict(r: ReferralStats | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "joins_by_source": dict(r.joins_by_source),
        "joins_by_campaign": dict(r.joins_by_campaign),
        "invited_retention": r.invited_retention,
        "organic_retention": r.organic_retention,
        "retention_days": r.retention_days,
        "referral_factor": r.referral_factor,
        "rewarded": r.rewarded,
        "top_inviters": [
            {"name": i.name, "joined": i.joined, "stayed": i.stayed} for i in r.top_inviters
        ],
    }


def has_data(report: Report) -> bool:
    r = report.current.referrals
    return r is not None and r.total > 0


def referrals_chart(
    report: Report, language: str, path: str | Path, font: FontChoice | None = None
) -> Path:
    """New members by source (bars) beside the retention of invited and organic members."""
    from bot.reports.charts import _no_data, _save  # the chart module's shared helpers

    r = report.current.referrals
    with chart_fonts(language, font):
        fig = new_figure(figsize=(9, 3.6))
        title = _t(language, "title")
        if r is None or not r.total:
            _no_data(fig, language, title)
            return _save(fig, path)
        joins, keep = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        counts = [r.joins_by_source.get(s, 0) for s in SOURCES]
        joins.barh(
            range(len(SOURCES)), counts, color=[COLORS[s] for s in SOURCES], edgecolor="#444"
        )
        joins.set_yticks(range(len(SOURCES)), [_t(language, s) for s in SOURCES])
        joins.invert_yaxis()
        for i, n in enumerate(counts):
            joins.text(n, i, f" {n}", va="center")
        joins.set_xlim(0, max(counts) * 1.25 or 1)
        joins.set_title(_t(language, "chart_joins"))
        rates = [r.invited_retention, r.organic_retention]
        keep.bar(
            [0, 1],
            [x * 100 if x is not None else 0 for x in rates],
            color=[COLORS["member"], COLORS["none"]],
        )
        keep.set_xticks([0, 1], [_t(language, "invited"), _t(language, "organic")])
        keep.set_ylim(0, 110)
        for i, x in enumerate(rates):
            keep.text(i, (x or 0) * 100 + 3, _rate(x, language), ha="center")
        keep.set_title(_t(language, "chart_retention", days=r.retention_days))
        fig.suptitle(title, y=1.04)
        return _save(fig, path)
