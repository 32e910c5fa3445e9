"""Tests of the health report; `make_metrics` builds a plausible week to vary per test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from bot.reports.model import (
    Contributor,
    FaqEntry,
    ModerationStats,
    PeriodMetrics,
    StreakStats,
)

WEEK_START = date(2024, 3, 4)  # a Monday


def _peak_hours(scale: int) -> tuple[tuple[int, ...], ...]:
    # Evenings busiest, weekends a little busier: enough shape to see on a heatmap.
    return tuple(
        tuple(
            scale * (1 + (hour >= 19) * 4 + (hour < 7) * -1 + (weekday >= 5)) for hour in range(24)
        )
        for weekday in range(7)
    )


def make_metrics(*, start: date = WEEK_START, **overrides: Any) -> PeriodMetrics:
    base = PeriodMetrics(
        community="Python 学习群",
        period_start=start,
        period_end=start + timedelta(days=6),
        timezone="Asia/Shanghai",
        members_at_start=400,
        members_at_end=410,
        dau_mean=40.0,
        wau=120,
        mau=200,
        messages_per_day=(300, 280, 350, 320, 410, 520, 480),
        dau_per_day=(35, 33, 38, 40, 42, 48, 44),
        active_members=120,
        joins=20,
        leaves=10,
        newcomer_retention_7d=0.45,
        newcomer_retention_30d=0.3,
        peak_hours=_peak_hours(3),
        top_contributors=(
            Contributor("小明", 210, "u1"),
            Contributor("alice", 180, "u2"),
            Contributor("老王", 95, "u3"),
        ),
        silent_share={"7d": 0.5, "14d": 0.35, "30d": 0.2},
        checkin_participation=0.15,
        checkin_streaks=StreakStats(members_on_streak=35, longest=42, mean=6.5),
        reactivation_rate=0.08,
        moderation=ModerationStats(
            cases_by_type={"warn": 6, "delete": 14, "timeout": 2, "ban": 1},
            spam_removed=14,
            reversals=1,
        ),
        tier_distribution=(("新手", 250), ("活跃", 110), ("核心", 40), ("元老", 10)),
        tier_movement_rate=0.06,
        faq_top=(
            FaqEntry("怎么安装 Python？", 12),
            FaqEntry("How do I join the study plan?", 5),
        ),
    )
    return replace(base, **overrides)


def make_empty(*, start: date = WEEK_START) -> PeriodMetrics:
    return PeriodMetrics(
        community="empty", period_start=start, period_end=start + timedelta(days=6)
    )
