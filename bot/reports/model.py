"""What a community health report is made of: plain, frozen values, no I/O.

The metric queries (store side) fill a `PeriodMetrics` for a period; everything else here is
derived from it. `None` always means "no data" (the platform cannot tell us, the feature is off, or
nobody qualified), never zero: the score leaves such indicators out instead of punishing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

Coverage = Literal["complete", "partial", "future", "empty"]
WEEKDAYS = 7
HOURS = 24


def _frozen_map(value: Mapping[str, float] | Mapping[str, int]) -> Mapping:
    return MappingProxyType(dict(value))


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is not > 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _check_rate(name: str, value: float | None, *, upper: float = 1.0) -> None:
    if value is not None and not 0.0 <= value <= upper:
        raise ValueError(f"{name} must be between 0 and {upper}, got {value}")


def _check_count(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} cannot be negative, got {value}")


@dataclass(frozen=True, slots=True)
class Contributor:
    name: str
    messages: int
    user_id: str = ""


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """A question the FAQ rule answered, and how often in the period."""

    question: str
    answered: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StreakStats:
    """Check-in streaks as they stand at the end of the period."""

    members_on_streak: int | None = None
    longest: int | None = None
    mean: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModerationStats:
    # Cases opened in the period by type ("warn", "delete", "timeout", "kick", "ban", ...), in
    # the order given; "delete" = a message removed by a rule (spam_removed counts those of
    # the anti-spam rules).
    cases_by_type: Mapping[str, int] = field(default_factory=dict)
    # the actions those cases took, by kind: one incident (a case) may delete + warn + time
    # out, so these add up to more than the cases
    actions_by_type: Mapping[str, int] = field(default_factory=dict)
    spam_removed: int | None = None
    # Cases a moderator reversed in the period (/case N reverse, /unban, /untimeout): a sign of
    # over-eager rules.
    reversals: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cases_by_type", _frozen_map(self.cases_by_type))
        object.__setattr__(self, "actions_by_type", _frozen_map(self.actions_by_type))
        for kind, count in [*self.cases_by_type.items(), *self.actions_by_type.items()]:
            _check_count(f"cases_by_type[{kind!r}]", count)
        _check_count("spam_removed", self.spam_removed)
        _check_count("reversals", self.reversals)

    @property
    def total_cases(self) -> int:
        """Incidents: one per rule firing on a message, or per moderator command."""
        return sum(self.cases_by_type.values())

    @property
    def total_actions(self) -> int:
        return sum(self.actions_by_type.values())


@dataclass(frozen=True, slots=True)
class Inviter:
    name: str
    joined: int  # joins through their link in the period
    stayed: int  # of those, invitees who earned them their reward


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralStats:
    """New members by where they came from (the referrals capability, docs/referrals.md)."""

    # member (a member's link) | link (a link that is nobody's) | unknown | none (no link)
    joins_by_source: Mapping[str, int]
    joins_by_campaign: Mapping[str, int] = field(default_factory=dict)
    # share of joins at least `retention_days` old still in the community that long after
    invited_retention: float | None = None  # through a member's link
    organic_retention: float | None = None  # any other way
    retention_days: int = 7
    referral_factor: float | None = None  # joins through members' links per active member
    rewarded: int = 0  # invitees whose inviter was rewarded in the period
    top_inviters: tuple[Inviter, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "joins_by_source", _frozen_map(self.joins_by_source))
        object.__setattr__(self, "joins_by_campaign", _frozen_map(self.joins_by_campaign))
        for name in ("invited_retention", "organic_retention"):
            _check_rate(name, getattr(self, name))

    @property
    def invited(self) -> int:
        return self.joins_by_source.get("member", 0)

    @property
    def total(self) -> int:
        return sum(self.joins_by_source.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodMetrics:
    """One community over one period, `period_start` to `period_end` inclusive (local dates)."""

    community: str
    period_start: date
    period_end: date
    timezone: str = "UTC"
    # complete | partial (the period is not over: measured up to now, period_end = today)
    # | future (nothing measured) | empty (the community has no members and no activity yet)
    coverage: Coverage = "complete"

    members_at_start: int | None = None
    members_at_end: int | None = None
    dau_mean: float | None = None  # mean of daily distinct posters
    wau: int | None = None  # distinct posters in the last 7 days of the period
    mau: int | None = None  # distinct posters in the 30 days ending with the period
    # One value per day from period_start; empty = no data (not "no messages").
    messages_per_day: tuple[int, ...] = ()
    dau_per_day: tuple[int, ...] = ()
    active_members: int | None = None  # distinct posters in the period
    joins: int | None = None
    leaves: int | None = None
    # Share of members who joined in the cohort window and still posted/stayed 7 / 30 days later.
    newcomer_retention_7d: float | None = None
    newcomer_retention_30d: float | None = None
    # peak_hours[weekday][hour]: message counts, Monday = 0, hours in `timezone`.
    peak_hours: tuple[tuple[int, ...], ...] | None = None
    top_contributors: tuple[Contributor, ...] = ()
    # Share of members silent for at least that long at period end, e.g. {"7d": 0.2, "30d": 0.05}.
    silent_share: Mapping[str, float] = field(default_factory=dict)
    checkin_participation: float | None = None  # share of members who checked in at least once
    checkin_streaks: StreakStats | None = None
    reactivation_rate: float | None = None  # share of nudged silent members who came back
    moderation: ModerationStats | None = None
    # Tiers from the lowest to the highest, with member counts.
    tier_distribution: tuple[tuple[str, int], ...] = ()
    tier_movement_rate: float | None = None  # 层级跃迁率: share of members who moved up a tier
    faq_top: tuple[FaqEntry, ...] = ()
    referrals: ReferralStats | None = None  # None: the referrals capability is not used

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        object.__setattr__(self, "silent_share", _frozen_map(self.silent_share))
        for name in (
            "members_at_start",
            "members_at_end",
            "wau",
            "mau",
            "active_members",
        ):
            _check_count(name, getattr(self, name))
        _check_count("joins", self.joins)
        _check_count("leaves", self.leaves)
        if self.dau_mean is not None and self.dau_mean < 0:
            raise ValueError("dau_mean cannot be negative")
        for name in ("messages_per_day", "dau_per_day"):
            series = getattr(self, name)
            if len(series) > self.days:
                raise ValueError(f"{name} has {len(series)} values for a {self.days}-day period")
            if any(v < 0 for v in series):
                raise ValueError(f"{name} cannot hold negative counts")
        for name in (
            "newcomer_retention_7d",
            "newcomer_retention_30d",
            "checkin_participation",
            "reactivation_rate",
            "tier_movement_rate",
        ):
            _check_rate(name, getattr(self, name))
        for tier, share in self.silent_share.items():
            _check_rate(f"silent_share[{tier!r}]", share)
        if self.peak_hours is not None:
            shape_ok = len(self.peak_hours) == WEEKDAYS and all(
                len(row) == HOURS for row in self.peak_hours
            )
            if not shape_ok:
                raise ValueError("peak_hours must be 7 rows (Monday first) of 24 hourly counts")
        for tier, count in self.tier_distribution:
            _check_count(f"tier {tier!r}", count)

    # -- derived figures (None-safe) -------------------------------------------------------

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def total_messages(self) -> int | None:
        return sum(self.messages_per_day) if self.messages_per_day else None

    @property
    def messages_per_day_mean(self) -> float | None:
        total = self.total_messages
        return None if total is None else total / self.days

    @property
    def member_count(self) -> int | None:
        """Members at the end of the period, or at the start when the end is unknown."""
        return self.members_at_end if self.members_at_end is not None else self.members_at_start

    @property
    def start_members(self) -> int | None:
        """Members at the start; derived from the end count and joins/leaves when not measured."""
        if self.members_at_start is not None:
            return self.members_at_start
        if None in (self.members_at_end, self.joins, self.leaves):
            return None
        return max(0, self.members_at_end - self.joins + self.leaves)  # type: ignore[operator]

    @property
    def stickiness(self) -> float | None:
        """DAU / MAU: how many of the month's posters show up on a typical day."""
        return _ratio(self.dau_mean, self.mau)

    @property
    def net_growth(self) -> int | None:
        if self.joins is None or self.leaves is None:
            return None
        return self.joins - self.leaves

    @property
    def leave_rate(self) -> float | None:
        """Of everyone who was a member at some time in the period (members at the start plus
        joins), the share who left during it. Never above 100%, even when newcomers churn."""
        if self.start_members is None:
            return None
        return _ratio(self.leaves, self.start_members + (self.joins or 0))

    @property
    def growth_rate(self) -> float | None:
        return _ratio(self.net_growth, self.start_members)

    @property
    def participation_rate(self) -> float | None:
        """Of everyone who was a member at some time in the period (members at the start plus
        joins), the share who posted at least once — so members who posted and then left do
        not push it above 100%."""
        if self.start_members is None:
            return None
        ratio = _ratio(self.active_members, self.start_members + (self.joins or 0))
        return None if ratio is None else min(1.0, ratio)

    @property
    def messages_per_member_week(self) -> float | None:
        """Messages per member per 7 days: volume that does not grow with the group's size."""
        per_member = _ratio(self.total_messages, self.member_count)
        return None if per_member is None else per_member * 7 / self.days

    @property
    def moderation_load(self) -> float | None:
        """Moderation incidents (cases; automatic spam deletions included) per 100 messages —
        not actions: one ad deleted, warned and timed out is one."""
        if self.moderation is None:
            return None
        per_message = _ratio(self.moderation.total_cases, self.total_messages)
        return None if per_message is None else per_message * 100

    @property
    def has_data(self) -> bool:
        """False for an empty community or a period nothing was measured in (all zero or None)."""
        return (
            any(scalar_metrics(self).values())
            or any(c.messages for c in self.top_contributors)
            or any(count for _, count in self.tier_distribution)
            or any(any(row) for row in self.peak_hours or ())
            or bool(self.faq_top)
        )


# The numeric figures a report compares with the previous period, in display order.
NUMERIC_METRICS: tuple[str, ...] = (
    "members_at_end",
    "dau_mean",
    "wau",
    "mau",
    "stickiness",
    "total_messages",
    "messages_per_day_mean",
    "messages_per_member_week",
    "active_members",
    "participation_rate",
    "joins",
    "leaves",
    "leave_rate",
    "net_growth",
    "growth_rate",
    "newcomer_retention_7d",
    "newcomer_retention_30d",
    "checkin_participation",
    "reactivation_rate",
    "tier_movement_rate",
    "moderation_load",
)

# Metrics that are shares (0..1): their change is shown in percentage points.
RATE_METRICS: frozenset[str] = frozenset(
    {
        "stickiness",
        "participation_rate",
        "leave_rate",
        "growth_rate",
        "newcomer_retention_7d",
        "newcomer_retention_30d",
        "checkin_participation",
        "reactivation_rate",
        "tier_movement_rate",
    }
)


def scalar_metrics(metrics: PeriodMetrics) -> dict[str, float | None]:
    return {name: getattr(metrics, name) for name in NUMERIC_METRICS}


@dataclass(frozen=True, slots=True)
class Change:
    """One metric, now and in the previous period."""

    metric: str
    current: float | None
    previous: float | None

    @property
    def absolute(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def relative(self) -> float | None:
        """(current - previous) / |previous|; None when there is nothing to compare with."""
        absolute = self.absolute
        if absolute is None or not self.previous:
            return None
        return absolute / abs(self.previous)

    @property
    def direction(self) -> str | None:
        absolute = self.absolute
        if absolute is None:
            return None
        if abs(absolute) < 1e-12:
            return "flat"
        return "up" if absolute > 0 else "down"


@dataclass(frozen=True, slots=True)
class Comparison:
    changes: tuple[Change, ...]

    def __getitem__(self, metric: str) -> Change:
        for change in self.changes:
            if change.metric == metric:
                return change
        raise KeyError(metric)


def compare(current: PeriodMetrics, previous: PeriodMetrics | None) -> Comparison:
    now = scalar_metrics(current)
    before = scalar_metrics(previous) if previous is not None else {}
    return Comparison(tuple(Change(name, now[name], before.get(name)) for name in NUMERIC_METRICS))


# -- the score, as computed by bot.reports.score --------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorScore:
    key: str
    value: float | None  # the measured figure, None = no data
    weight: float  # as configured
    good: float
    poor: float
    quality: float | None = None  # 0 (at/below poor) .. 1 (at/above good)
    max_points: float = 0.0  # share of 100 after renormalisation; 0 when excluded
    points: float | None = None

    @property
    def has_data(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthScore:
    total: float | None  # 0..100, None when no indicator had data or too little activity
    grade: str  # grade key, e.g. "healthy"; "no_data" / "not_enough_data" when total is None
    grade_label: str
    indicators: tuple[IndicatorScore, ...]
    # Why there is no score although there was activity: what is missing, in the report's
    # language ("6 messages, at least 50 needed").
    missing: tuple[str, ...] = ()

    @property
    def excluded(self) -> tuple[str, ...]:
        """Indicators left out for lack of data (their weight went to the others)."""
        return tuple(i.key for i in self.indicators if i.weight > 0 and not i.has_data)

    @property
    def renormalised(self) -> bool:
        return bool(self.excluded) and self.total is not None


@dataclass(frozen=True, slots=True)
class Suggestion:
    indicator: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    current: PeriodMetrics
    previous: PeriodMetrics | None
    score: HealthScore
    suggestions: tuple[Suggestion, ...] = ()
    language: str = "en"

    @property
    def comparison(self) -> Comparison:
        return compare(self.current, self.previous)

    @property
    def has_data(self) -> bool:
        return self.current.has_data
