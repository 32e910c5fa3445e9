"""PNG charts of a report, drawn with matplotlib's Agg canvas (no display, no pyplot state).

Each function takes the report, a language ("en"/"zh") for the labels and an output path, writes
the PNG and returns the path. A chart with nothing to show still writes a "no data" picture, so a
caller never has to guess; `render_charts` skips those.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.reports import referrals
from bot.reports.fonts import FontChoice, chart_fonts, find_cjk_font
from bot.reports.model import Report
from bot.reports.mpl import new_figure
from bot.reports.score import INDICATOR_NAMES, format_indicator_value, pick_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "activity_title": "Activity: {community}",
        "messages": "Messages per day",
        "messages_previous": "Messages, previous period",
        "dau": "Daily active members",
        "dau_previous": "Daily active, previous period",
        "day": "Day",
        "heatmap_title": "When members post (messages, {timezone})",
        "hour": "Hour of day",
        "tiers_title": "Members by tier",
        "members": "Members",
        "score_title": "Health score {total} / 100 — {grade}",
        "points": "Points",
        "no_data": "No data for this period",
        "no_data_bar": "no data",
    },
    "zh": {
        "activity_title": "活跃趋势：{community}",
        "messages": "每日消息数",
        "messages_previous": "上期每日消息数",
        "dau": "日活跃成员",
        "dau_previous": "上期日活跃成员",
        "day": "日期",
        "heatmap_title": "发言时段分布（消息数，{timezone}）",
        "hour": "小时",
        "tiers_title": "成员层级分布",
        "members": "成员数",
        "score_title": "健康分 {total} / 100 — {grade}",
        "points": "得分",
        "no_data": "本期暂无数据",
        "no_data_bar": "无数据",
    },
}
WEEKDAY_NAMES = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_DPI = 110
# inches drawn around a figure for what spills over its edges (the score chart's names: ~1.3)
_MARGIN = 2.0
_PNG = {"compress_level": 1}


def _label(language: str, key: str, **values: object) -> str:
    table = _LABELS.get(language, _LABELS["en"])
    return table[key].format(**values)


def _save(fig: Figure, path: str | Path) -> Path:
    """The PNG of the figure cropped to what it draws, as `bbox_inches="tight"` crops it, in
    one drawing instead of three (measuring the box, then drawing the cropped figure, each lays
    out every text anew): the figure is drawn once with a margin that holds what spills over
    its edges (tick labels, the legend below), measured on the same renderer (text sizes
    cached) and the pixels inside the box are written. Content past the margin falls back to
    drawing the cropped figure again. Fast zlib: the same pixels, a file ~10 % larger, the
    encoding ~4x faster."""
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.image import imsave

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.set_dpi(_DPI)  # text measured at the resolution it is drawn at
    _add_margin(fig, _MARGIN)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.get_tightbbox(canvas.get_renderer())
    box = box.padded(matplotlib.rcParams["savefig.pad_inches"])
    width, height = canvas.get_width_height()
    # the size "tight" gives (the renderer truncates), at the nearest whole pixel
    x0, top = round(box.x0 * _DPI), round(height - box.y1 * _DPI)
    x1, bottom = x0 + int(box.width * _DPI), top + int(box.height * _DPI)
    if x0 < 0 or top < 0 or x1 > width or bottom > height:
        fig.savefig(path, format="png", dpi=_DPI, bbox_inches=box, pil_kwargs=_PNG)
        return path
    pixels = np.asarray(canvas.buffer_rgba())[top:bottom, x0:x1]
    imsave(path, pixels, format="png", dpi=_DPI, pil_kwargs=_PNG)
    return path


def _add_margin(fig: Figure, margin: float) -> None:
    """Grow the figure by `margin` inches on every side, every axes and figure text kept where
    it is in inches: what spills over the old edges is then drawn on the canvas."""
    width, height = fig.get_size_inches()
    wide, high = width + 2 * margin, height + 2 * margin
    # all read before any is moved: moving an axes moves its twin too
    placed = [(ax, ax.get_position(original=True).bounds) for ax in fig.axes]
    for ax, (x, y, w, h) in placed:
        ax.set_position(
            (
                (x * width + margin) / wide,
                (y * height + margin) / high,
                w * width / wide,
                h * height / high,
            ),
            which="both",
        )
    for text in fig.texts:  # a suptitle: placed in figure fractions, like the axes
        if text.get_transform() == fig.transFigure:
            x, y = text.get_position()
            text.set_position(((x * width + margin) / wide, (y * height + margin) / high))
    fig.set_size_inches(wide, high)


def _no_data(fig: Figure, language: str, title: str) -> None:
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, _label(language, "no_data"), ha="center", va="center", fontsize=14)
    ax.set_axis_off()


def activity_chart(
    report: Report, language: str, path: str | Path, font: FontChoice | None = None
) -> Path:
    """Messages per day (bars) and daily active members (line); the previous period faint."""
    current, previous = report.current, report.previous
    with chart_fonts(language, font):
        fig = new_figure(figsize=(9, 4.2))
        title = _label(language, "activity_title", community=current.community)
        if not (any(current.messages_per_day) or any(current.dau_per_day)):
            _no_data(fig, language, title)
            return _save(fig, path)
        ax = fig.add_subplot()
        days = [current.period_start + timedelta(days=i) for i in range(current.days)]
        ticks = [d.strftime("%m-%d") for d in days]
        x = range(len(days))
        if previous is not None and not (
            any(previous.messages_per_day) or any(previous.dau_per_day)
        ):
            previous = None  # an all-zero previous period is noise in the legend, not a comparison
        if previous is not None and previous.messages_per_day:
            prev = previous.messages_per_day[: len(days)]
            ax.bar(
                [i - 0.2 for i in range(len(prev))],
                prev,
                width=0.4,
                color="#9ab",
                alpha=0.35,
                label=_label(language, "messages_previous"),
            )
        if current.messages_per_day:
            series = current.messages_per_day
            ax.bar(
                [i + (0.2 if previous else 0) for i in range(len(series))],
                series,
                width=0.4 if previous else 0.7,
                color="#3b7dd8",
                label=_label(language, "messages"),
            )
        ax.set_ylabel(_label(language, "messages"))
        ax.set_xticks(list(x), ticks, rotation=45 if len(days) > 10 else 0)
        ax.set_xlabel(_label(language, "day"))
        ax.set_title(title)

        twin = ax.twinx()
        if previous is not None and previous.dau_per_day:
            twin.plot(
                range(len(previous.dau_per_day[: len(days)])),
                previous.dau_per_day[: len(days)],
                color="#e67e22",
                alpha=0.35,
                linestyle="--",
                label=_label(language, "dau_previous"),
            )
        if current.dau_per_day:
            twin.plot(
                range(len(current.dau_per_day)),
                current.dau_per_day,
                color="#e67e22",
                marker="o",
                linewidth=2,
                label=_label(language, "dau"),
            )
        twin.set_ylabel(_label(language, "dau"))
        twin.set_ylim(bottom=0)
        for axis in (ax.yaxis, twin.yaxis):  # counts of messages and members: no 2.5 members
            from matplotlib.ticker import MaxNLocator

            axis.set_major_locator(MaxNLocator(integer=True))
        handles = ax.get_legend_handles_labels()
        twin_handles = twin.get_legend_handles_labels()
        # below the plot: inside it, the legend would hide the first days' bars
        ax.legend(
            handles[0] + twin_handles[0],
            handles[1] + twin_handles[1],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22 if len(days) > 10 else -0.16),
            ncol=4,
            frameon=False,
        )
        return _save(fig, path)


def heatmap_chart(
    report: Report, language: str, path: str | Path, font: FontChoice | None = None
) -> Path:
    """Messages by weekday (rows, Monday first) and hour (columns)."""
    current = report.current
    with chart_fonts(language, font):
        fig = new_figure(figsize=(10, 3.6))
        title = _label(language, "heatmap_title", timezone=current.timezone)
        grid = current.peak_hours
        if grid is None or not any(any(row) for row in grid):
            _no_data(fig, language, title)
            return _save(fig, path)
        ax = fig.add_subplot()
        image = ax.imshow(grid, aspect="auto", cmap="YlOrRd", interpolation="nearest")
        ax.set_yticks(range(7), WEEKDAY_NAMES.get(language, WEEKDAY_NAMES["en"]))
        ax.set_xticks(range(24), [str(h) for h in range(24)])
        ax.set_xlabel(_label(language, "hour"))
        ax.set_title(title)
        fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
        return _save(fig, path)


def tier_pyramid_chart(
    report: Report, language: str, path: str | Path, font: FontChoice | None = None
) -> Path:
    """Tiers as centred horizontal bars, lowest tier at the bottom (widest when healthy)."""
    tiers = report.current.tier_distribution
    with chart_fonts(language, font):
        fig = new_figure(figsize=(7, 0.55 * max(len(tiers), 3) + 1.2))
        title = _label(language, "tiers_title")
        if not any(count for _, count in tiers):
            _no_data(fig, language, title)
            return _save(fig, path)
        ax = fig.add_subplot()
        names = [name for name, _ in tiers]
        counts = [count for _, count in tiers]
        widest = max(counts)
        total = sum(counts)
        # an empty or tiny tier still shows as a sliver, so every step of the ladder is visible
        shown = [max(c, widest * 0.01) for c in counts]
        ax.barh(
            range(len(tiers)),
            shown,
            height=0.7,
            left=[-c / 2 for c in shown],
            color=["#5b9bd5" if c else "#d9d9d9" for c in counts],
            edgecolor="#2e5f8a",
        )
        for i, count in enumerate(counts):
            share = f"{count} ({count / total:.0%})"
            ax.text(widest / 2 + widest * 0.03, i, share, va="center")
        ax.set_yticks(range(len(tiers)), names)
        ax.set_xlim(-widest / 2 - widest * 0.05, widest / 2 + widest * 0.35)
        ax.set_xticks([])
        ax.set_xlabel(_label(language, "members"))
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_title(title)
        return _save(fig, path)


def score_chart(
    report: Report, language: str, path: str | Path, font: FontChoice | None = None
) -> Path:
    """Points earned per indicator against the points it could earn."""
    score = report.score
    with chart_fonts(language, font):
        fig = new_figure(figsize=(8, 4.8))
        if score.total is None:
            _no_data(fig, language, score.grade_label)
            return _save(fig, path)
        ax = fig.add_subplot()
        indicators = [i for i in score.indicators if i.weight > 0][::-1]
        names = [pick_text(INDICATOR_NAMES[i.key], language) for i in indicators]
        ypos = range(len(indicators))
        ax.barh(ypos, [i.max_points for i in indicators], color="#e5e5e5")
        ax.barh(
            ypos,
            [i.points or 0 for i in indicators],
            color=["#2e9e5b" if (i.quality or 0) >= 0.6 else "#d9534f" for i in indicators],
        )
        for y, indicator in zip(ypos, indicators, strict=True):
            value = format_indicator_value(indicator.key, indicator.value)
            text = (
                f"{indicator.points:.1f} / {indicator.max_points:.1f}  ({value})"
                if indicator.points is not None
                else _label(language, "no_data_bar")
            )
            ax.text(indicator.max_points + 0.3, y, text, va="center", fontsize=8)
        ax.set_yticks(list(ypos), names)
        ax.set_xlabel(_label(language, "points"))
        widest = max(i.max_points for i in indicators)
        ax.set_xlim(0, widest * 1.5)
        ax.set_title(
            _label(
                language,
                "score_title",
                total=f"{score.total:.1f}",
                grade=score.grade_label,
            )
        )
        return _save(fig, path)


CHARTS = {
    "activity": activity_chart,
    "heatmap": heatmap_chart,
    "tiers": tier_pyramid_chart,
    "score": score_chart,
    "referrals": referrals.referrals_chart,
}


CAPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "activity": "Activity trend",
        "heatmap": "When members post",
        "tiers": "Tier pyramid",
        "score": "Health score breakdown",
        "referrals": "New members by source and their retention",
    },
    "zh": {
        "activity": "活跃趋势",
        "heatmap": "发言时段热力图",
        "tiers": "成员层级金字塔",
        "score": "健康分明细",
        "referrals": "新成员来源与留存",
    },
}


def chart_caption(name: str, language: str) -> str:
    return CAPTIONS.get(language, CAPTIONS["en"])[name]


def charts_with_data(report: Report, names: tuple[str, ...] = tuple(CHARTS)) -> tuple[str, ...]:
    """The charts among `names` that have something to show, in the order given."""
    current = report.current
    has = {
        "activity": any(current.messages_per_day) or any(current.dau_per_day),
        "heatmap": current.peak_hours is not None and any(any(r) for r in current.peak_hours),
        "tiers": any(count for _, count in current.tier_distribution),
        "score": report.score.total is not None,
        "referrals": referrals.has_data(report),
    }
    return tuple(name for name in names if has[name])


def render_charts(
    report: Report,
    language: str,
    out_dir: str | Path,
    font: FontChoice | None = None,
    names: tuple[str, ...] = tuple(CHARTS),
) -> Mapping[str, Path]:
    """Every chart among `names` that has data, as {name: path}; the font is looked up once."""
    out_dir = Path(out_dir)
    wanted = charts_with_data(report, names)
    if font is None and wanted:
        font = find_cjk_font()
    return {name: CHARTS[name](report, language, out_dir / f"{name}.png", font) for name in wanted}
