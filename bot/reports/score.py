"""The community health score: ten indicators weighted to 100 points, a grade, and suggestions.

Each indicator has a "good" and a "poor" threshold; a value at or beyond "good" earns all of its
points, at or beyond "poor" none, and in between a linear share. "Lower is better" indicators
(leave rate, moderation load) simply have good < poor. Indicators without data are left out and
the remaining weights are scaled back to 100, so a community is never punished for a feature it
does not use (and nothing is ever divided by zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from bot.configmodel import ConfigModel
from bot.reports.model import (
    HealthScore,
    IndicatorScore,
    PeriodMetrics,
    Report,
    Suggestion,
)
from bot.templates import check_template, render
from bot.texts import plural

Language = Literal["en", "zh"]


def _checked_template(text: str) -> str:
    check_template(text)
    return text


# A `{name}`-only template checked at load time. (bot.configmodel.TemplateText cannot be used in a
# model yet: pydantic has no schema for its inner `Template` type.)
CheckedTemplate = Annotated[str, AfterValidator(_checked_template)]
# One text for every language, or one per language code ({"en": ..., "zh": ...}).
LocalizedText = CheckedTemplate | dict[str, CheckedTemplate]

IndicatorKey = Literal[
    "stickiness",
    "messages_per_member",
    "newcomer_retention",
    "leave_rate",
    "participation",
    "checkin_participation",
    "reactivation",
    "tier_movement",
    "moderation_load",
    "growth",
]
INDICATORS: tuple[str, ...] = IndicatorKey.__args__  # type: ignore[attr-defined]

# Indicators whose value is a share (shown as a percentage); the others are plain numbers.
_PERCENT_INDICATORS = frozenset(INDICATORS) - {"messages_per_member", "moderation_load"}


def pick_text(text: str | Mapping[str, str], language: str) -> str:
    """The text for `language`, else English, else any; a plain string serves every language."""
    if isinstance(text, str):
        return text
    for lang in (language, "en"):
        if lang in text:
            return text[lang]
    return next(iter(text.values()), "")


def format_indicator_value(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key in _PERCENT_INDICATORS:
        return f"{value * 100:.1f}%"
    return f"{value:.2f}"


class IndicatorConfig(ConfigModel):
    """Points and thresholds of one indicator. Any field left out keeps its default."""

    weight: float | None = Field(default=None, ge=0)
    good: float | None = None
    poor: float | None = None
    # Replaces the built-in suggestion; may use {value} and {target}.
    suggestion: LocalizedText | None = None


class GradeConfig(ConfigModel):
    key: str
    min_score: float = Field(ge=0, le=100)
    label: LocalizedText


_DEFAULT_INDICATORS: dict[str, tuple[float, float, float]] = {
    # key: (weight, good, poor) — weights add up to 100.
    "stickiness": (15, 0.25, 0.05),  # DAU/MAU
    "messages_per_member": (10, 2.0, 0.1),  # messages per member per week
    "newcomer_retention": (15, 0.5, 0.1),  # 7-day retention of newcomers
    "leave_rate": (10, 0.01, 0.10),  # lower is better
    "participation": (10, 0.3, 0.03),  # share of members who posted
    "checkin_participation": (8, 0.2, 0.02),
    "reactivation": (8, 0.15, 0.01),
    "tier_movement": (6, 0.10, 0.0),
    "moderation_load": (8, 0.5, 5.0),  # incidents per 100 messages, lower is better
    "growth": (10, 0.05, -0.02),  # net growth / members at start
}

DEFAULT_SUGGESTIONS: dict[str, dict[str, str]] = {
    "stickiness": {
        "en": "Stickiness (DAU/MAU) is {value}, target {target}: give members a daily reason "
        "to come back — a daily topic, a question of the day or a check-in reminder.",
        "zh": "粘性（日活/月活）为 {value}，目标 {target}：给成员每天回来的理由——每日话题、"
        "每日一问或打卡提醒。",
    },
    "messages_per_member": {
        "en": "Only {value} messages per member per week (target {target}): seed "
        "conversations — post open questions, run a weekly thread, answer newcomers quickly.",
        "zh": "人均每周仅 {value} 条消息（目标 {target}）：主动带话题——发开放式问题、"
        "做每周固定栏目、及时回复新人。",
    },
    "newcomer_retention": {
        "en": "{value} of newcomers are still active after 7 days (target {target}): improve "
        "the welcome SOP — a personal greeting, a first small task, a follow-up on day 3.",
        "zh": "新人 7 日留存为 {value}（目标 {target}）：优化欢迎 SOP——个性化欢迎、"
        "新手第一个小任务、第 3 天回访。",
    },
    "leave_rate": {
        "en": "{value} of members left this period (target below {target}): review spam and "
        "over-posting, how often the bot and admins post, and what the leavers had in common.",
        "zh": "本期退群率 {value}（目标低于 {target}）：排查广告与刷屏，检查机器人和管理员的"
        "发帖频率，分析退群成员的共同点。",
    },
    "participation": {
        "en": "Only {value} of members posted this period (target {target}): draw lurkers in "
        "— greet newcomers by name, run polls and low-effort prompts.",
        "zh": "本期仅 {value} 的成员发过言（目标 {target}）：邀请潜水成员参与——点名欢迎、"
        "发起投票、设置低门槛话题。",
    },
    "checkin_participation": {
        "en": "Check-in participation is {value} (target {target}): add check-in incentives — "
        "streak rewards, points, a weekly leaderboard and a daily reminder.",
        "zh": "打卡参与率为 {value}（目标 {target}）：增加打卡激励——连续打卡奖励、积分、"
        "每周排行榜和每日提醒。",
    },
    "reactivation": {
        "en": "Only {value} of nudged silent members came back (target {target}): personalise "
        "wake-up messages and offer something concrete (an event, content, a reward).",
        "zh": "沉默唤醒回流率仅 {value}（目标 {target}）：个性化唤醒话术，并给出具体的回来"
        "理由（活动、干货、奖励）。",
    },
    "tier_movement": {
        "en": "Only {value} of members moved up a tier (target {target}): the bottom tiers are "
        "stuck — lower the first thresholds and reward first steps (check-ins, first posts).",
        "zh": "层级跃迁率仅 {value}（目标 {target}）：底层成员难以升级——降低初级门槛，"
        "奖励打卡、首次发言等第一步。",
    },
    "moderation_load": {
        "en": "{value} moderation incidents per 100 messages (target below {target}): tighten "
        "anti-spam (links, limits for new members) and pin clear group rules.",
        "zh": "每百条消息 {value} 起管理事件（目标低于 {target}）：收紧反垃圾规则（链接、"
        "新成员限制），并置顶清晰的群规。",
    },
    "growth": {
        "en": "Net growth is {value} (target {target}): ask members to invite friends, share "
        "highlights outside the group and check that the way in still works.",
        "zh": "净增长率为 {value}（目标 {target}）：鼓励老成员邀请好友、在群外分享精华内容，"
        "并检查入群路径是否顺畅。",
    },
}

INDICATOR_NAMES: dict[str, dict[str, str]] = {
    "stickiness": {"en": "Stickiness (DAU/MAU)", "zh": "粘性（日活/月活）"},
    "messages_per_member": {"en": "Messages per member / week", "zh": "人均周消息数"},
    "newcomer_retention": {"en": "Newcomer 7-day retention", "zh": "新人 7 日留存"},
    "leave_rate": {"en": "Leave rate", "zh": "退群率"},
    "participation": {"en": "Participation", "zh": "发言参与率"},
    "checkin_participation": {"en": "Check-in participation", "zh": "打卡参与率"},
    "reactivation": {"en": "Reactivation", "zh": "沉默唤醒回流率"},
    "tier_movement": {"en": "Tier movement", "zh": "层级跃迁率"},
    "moderation_load": {"en": "Moderation load / 100 msgs", "zh": "每百条消息管理量"},
    "growth": {"en": "Net growth", "zh": "净增长率"},
}

DEFAULT_GRADES: tuple[GradeConfig, ...] = (
    GradeConfig(key="seed", min_score=0, label={"en": "Seed", "zh": "起步期"}),
    GradeConfig(key="growing", min_score=40, label={"en": "Growing", "zh": "成长期"}),
    GradeConfig(key="healthy", min_score=60, label={"en": "Healthy", "zh": "成熟期"}),
    GradeConfig(key="thriving", min_score=80, label={"en": "Thriving", "zh": "繁荣期"}),
)


class HealthConfig(ConfigModel):
    """Playbook section `health`: override only what you want to change."""

    indicators: dict[IndicatorKey, IndicatorConfig] = Field(default_factory=dict)
    grades: tuple[GradeConfig, ...] = DEFAULT_GRADES
    no_data_label: LocalizedText = Field(
        default_factory=lambda: {"en": "Not enough data", "zh": "数据不足"}
    )
    # Below these, a period is too small to grade: a handful of messages would score
    # "Thriving" on ratios alone. The report says what is missing instead of a score.
    min_messages: int = Field(default=50, ge=0)
    min_members: int = Field(default=5, ge=0)
    min_active_members: int = Field(default=3, ge=0)
    not_enough_label: LocalizedText = Field(
        default_factory=lambda: {"en": "Not enough data yet", "zh": "数据还不够，暂不评分"}
    )
    # An indicator earning less than this share of its points gets a suggestion.
    suggest_below: float = Field(default=0.6, ge=0, le=1)
    max_suggestions: int = Field(default=3, ge=0, le=len(INDICATORS))

    @model_validator(mode="after")
    def _check(self) -> HealthConfig:
        for key in INDICATORS:
            resolved = self.indicator(key)
            if resolved.good == resolved.poor:
                raise ValueError(f"indicators.{key}: 'good' and 'poor' must differ")
        if not self.grades:
            raise ValueError("grades: list at least one grade")
        scores = [g.min_score for g in self.grades]
        if scores != sorted(scores) or len(set(scores)) != len(scores):
            raise ValueError("grades: list them from the lowest min_score up, without repeats")
        if scores[0] != 0:
            raise ValueError("grades: the first grade must start at min_score 0")
        return self

    def indicator(self, key: str) -> IndicatorConfig:
        """The indicator's settings with the defaults filled in."""
        weight, good, poor = _DEFAULT_INDICATORS[key]
        override = self.indicators.get(key)  # type: ignore[call-overload]
        if override is None:
            return IndicatorConfig(weight=weight, good=good, poor=poor)
        return IndicatorConfig(
            weight=weight if override.weight is None else override.weight,
            good=good if override.good is None else override.good,
            poor=poor if override.poor is None else override.poor,
            suggestion=override.suggestion,
        )


def indicator_values(metrics: PeriodMetrics) -> dict[str, float | None]:
    return {
        "stickiness": metrics.stickiness,
        "messages_per_member": metrics.messages_per_member_week,
        "newcomer_retention": metrics.newcomer_retention_7d,
        "leave_rate": metrics.leave_rate,
        "participation": metrics.participation_rate,
        "checkin_participation": metrics.checkin_participation,
        "reactivation": metrics.reactivation_rate,
        "tier_movement": metrics.tier_movement_rate,
        "moderation_load": metrics.moderation_load,
        "growth": metrics.growth_rate,
    }


_MISSING: dict[str, dict[str, str]] = {
    "messages": {
        "en": "{value}, at least {minimum} needed",
        "zh": "消息 {value} 条，至少需要 {minimum} 条",
    },
    "members": {
        "en": "{value}, at least {minimum} needed",
        "zh": "成员 {value} 人，至少需要 {minimum} 人",
    },
    "active": {
        "en": "{value} posted, at least {minimum} needed",
        "zh": "发言成员 {value} 人，至少需要 {minimum} 人",
    },
}
_NOUNS = {"messages": "message", "members": "member", "active": "member"}


def missing_data(metrics: PeriodMetrics, config: HealthConfig, language: str) -> tuple[str, ...]:
    """What a period with activity lacks to be graded (empty when it is enough). A figure
    that was not measured (None) is not held against the period."""
    if not metrics.has_data:
        return ()
    figures = (
        ("messages", metrics.total_messages, config.min_messages),
        ("members", metrics.member_count, config.min_members),
        ("active", metrics.active_members, config.min_active_members),
    )
    return tuple(
        render(
            pick_text(_MISSING[key], language),
            {
                "value": value if language == "zh" else plural(value, _NOUNS[key]),
                "minimum": minimum,
            },
        )
        for key, value, minimum in figures
        if value is not None and value < minimum
    )


def quality(value: float, good: float, poor: float) -> float:
    """0 at (or beyond) poor, 1 at (or beyond) good, linear in between; works either direction."""
    return min(1.0, max(0.0, (value - poor) / (good - poor)))


def compute_score(
    metrics: PeriodMetrics, config: HealthConfig | None = None, language: str = "en"
) -> HealthScore:
    config = config or HealthConfig()
    values = indicator_values(metrics) if metrics.has_data else dict.fromkeys(INDICATORS)
    settings = {key: config.indicator(key) for key in INDICATORS}
    counted_weight = sum(s.weight or 0.0 for key, s in settings.items() if values[key] is not None)

    indicators: list[IndicatorScore] = []
    for key in INDICATORS:
        s = settings[key]
        weight, good, poor = s.weight or 0.0, s.good, s.poor
        assert good is not None and poor is not None  # filled in by HealthConfig.indicator
        value = values[key]
        if value is None or counted_weight <= 0:
            indicators.append(
                IndicatorScore(key=key, value=value, weight=weight, good=good, poor=poor)
            )
            continue
        q = quality(value, good, poor)
        max_points = weight / counted_weight * 100
        indicators.append(
            IndicatorScore(
                key=key,
                value=value,
                weight=weight,
                good=good,
                poor=poor,
                quality=q,
                max_points=max_points,
                points=q * max_points,
            )
        )

    if counted_weight <= 0:
        label = pick_text(config.no_data_label, language)
        return HealthScore(
            total=None, grade="no_data", grade_label=label, indicators=tuple(indicators)
        )
    missing = missing_data(metrics, config, language)
    if missing:  # the raw values stay visible; no points, no grade
        return HealthScore(
            total=None,
            grade="not_enough_data",
            grade_label=pick_text(config.not_enough_label, language),
            indicators=tuple(
                IndicatorScore(key=i.key, value=i.value, weight=i.weight, good=i.good, poor=i.poor)
                for i in indicators
            ),
            missing=missing,
        )
    # One decimal, as displayed: the grade must agree with the number people read.
    total = round(sum(i.points or 0.0 for i in indicators), 1)
    grade = [g for g in config.grades if g.min_score <= total][-1]
    return HealthScore(
        total=total,
        grade=grade.key,
        grade_label=pick_text(grade.label, language),
        indicators=tuple(indicators),
    )


def suggest(
    score: HealthScore, config: HealthConfig | None = None, language: str = "en"
) -> tuple[Suggestion, ...]:
    """Advice for the weakest indicators: lowest share of points first, heavier weight on ties."""
    config = config or HealthConfig()
    weak = [
        (i.quality, -i.max_points, INDICATORS.index(i.key), i)
        for i in score.indicators
        if i.quality is not None and i.max_points > 0 and i.quality < config.suggest_below
    ]
    weak.sort(key=lambda item: item[:3])
    suggestions = []
    for *_, indicator in weak[: config.max_suggestions]:
        override = config.indicator(indicator.key).suggestion
        template = override if override is not None else DEFAULT_SUGGESTIONS[indicator.key]
        text = render(
            pick_text(template, language),
            {
                "value": format_indicator_value(indicator.key, indicator.value),
                "target": format_indicator_value(indicator.key, indicator.good),
            },
        )
        suggestions.append(Suggestion(indicator=indicator.key, text=text))
    return tuple(suggestions)


def build_report(
    current: PeriodMetrics,
    previous: PeriodMetrics | None = None,
    config: HealthConfig | None = None,
    language: str = "en",
) -> Report:
    config = config or HealthConfig()
    score = compute_score(current, config, language)
    return Report(
        current=current,
        previous=previous,
        score=score,
        suggestions=suggest(score, config, language),
        language=language,
    )
