"""Weekly community health reports: metrics model, health score, charts and renderers.

The store's metric queries fill a `PeriodMetrics`; `build_report` scores it against the previous
period; `render_*` and `render_charts` turn the `Report` into text, JSON, HTML and PNG charts.
"""

from bot.reports.charts import (
    activity_chart,
    heatmap_chart,
    render_charts,
    score_chart,
    tier_pyramid_chart,
)
from bot.reports.fonts import FontChoice, find_cjk_font
from bot.reports.model import (
    Change,
    Comparison,
    Contributor,
    FaqEntry,
    HealthScore,
    IndicatorScore,
    ModerationStats,
    PeriodMetrics,
    Report,
    StreakStats,
    Suggestion,
    compare,
)
from bot.reports.render import (
    render_html,
    render_json,
    render_markdown,
    render_summary,
    report_to_dict,
)
from bot.reports.score import HealthConfig, build_report, compute_score, suggest

__all__ = [
    "Change",
    "Comparison",
    "Contributor",
    "FaqEntry",
    "FontChoice",
    "HealthConfig",
    "HealthScore",
    "IndicatorScore",
    "ModerationStats",
    "PeriodMetrics",
    "Report",
    "StreakStats",
    "Suggestion",
    "activity_chart",
    "build_report",
    "compare",
    "compute_score",
    "find_cjk_font",
    "heatmap_chart",
    "render_charts",
    "render_html",
    "render_json",
    "render_markdown",
    "render_summary",
    "report_to_dict",
    "score_chart",
    "suggest",
    "tier_pyramid_chart",
]
