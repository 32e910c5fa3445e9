from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.reports.model import PeriodMetrics, compare
from bot.reports.score import HealthConfig, build_report, compute_score

from . import WEEK_START, make_empty, make_metrics


def only_stickiness_and_leaves(
    *, dau: float, mau: int, leaves: int, members: int = 100
) -> PeriodMetrics:
    """Metrics where only two indicators can be measured: stickiness and leave rate."""
    return PeriodMetrics(
        community="c",
        period_start=WEEK_START,
        period_end=WEEK_START + timedelta(days=6),
        members_at_start=members,
        dau_mean=dau,
        mau=mau,
        leaves=leaves,
    )


def points(score, key: str) -> float | None:
    return next(i.points for i in score.indicators if i.key == key)


def test_indicator_at_good_earns_all_its_points_and_at_poor_none_after_renormalising():
    # stickiness 25/100 = 0.25 (= good), leave rate 10/100 = 0.10 (= poor).
    # Weights 15 and 10 are the only ones with data: scaled to 60 and 40 points.
    score = compute_score(only_stickiness_and_leaves(dau=25, mau=100, leaves=10))

    assert points(score, "stickiness") == pytest.approx(60.0)
    assert points(score, "leave_rate") == pytest.approx(0.0)
    assert score.total == pytest.approx(60.0)
    assert score.grade == "healthy"  # 60 is the first score of "healthy"
    assert score.renormalised
    assert set(score.excluded) == {
        "messages_per_member",
        "newcomer_retention",
        "participation",
        "checkin_participation",
        "reactivation",
        "tier_movement",
        "moderation_load",
        "growth",
    }


def test_values_between_thresholds_earn_a_linear_share():
    # stickiness 0.15 is halfway from poor 0.05 to good 0.25; leave rate 0.055 halfway from
    # poor 0.10 down to good 0.01: each earns half its points, so the total is 50.
    score = compute_score(only_stickiness_and_leaves(dau=15, mau=100, leaves=55, members=1000))

    assert points(score, "stickiness") == pytest.approx(30.0)
    assert points(score, "leave_rate") == pytest.approx(20.0)
    assert score.total == pytest.approx(50.0)
    assert score.grade == "growing"


def test_values_beyond_the_thresholds_are_clamped():
    score = compute_score(only_stickiness_and_leaves(dau=90, mau=100, leaves=0))
    assert score.total == pytest.approx(100.0)
    assert score.grade == "thriving"

    score = compute_score(only_stickiness_and_leaves(dau=1, mau=100, leaves=50))
    assert score.total == pytest.approx(0.0)
    assert score.grade == "seed"


def test_configured_weights_and_thresholds_change_the_points():
    config = HealthConfig.model_validate(
        {
            "indicators": {
                "leave_rate": {"weight": 15, "poor": 0.20},
                "stickiness": {"good": 0.5},
            }
        }
    )
    # stickiness 0.25 with good 0.5: (0.25-0.05)/(0.45) of 50 points; leave rate 0.10 with poor
    # 0.20: (0.20-0.10)/(0.19) of 50 points.
    score = compute_score(only_stickiness_and_leaves(dau=25, mau=100, leaves=10), config)

    assert points(score, "stickiness") == pytest.approx(0.20 / 0.45 * 50)
    assert points(score, "leave_rate") == pytest.approx(0.10 / 0.19 * 50)
    assert score.total == pytest.approx(round(0.20 / 0.45 * 50 + 0.10 / 0.19 * 50, 1))


def test_a_zero_weight_indicator_is_ignored_without_being_reported_missing():
    config = HealthConfig.model_validate({"indicators": {"leave_rate": {"weight": 0}}})
    score = compute_score(only_stickiness_and_leaves(dau=25, mau=100, leaves=10), config)

    assert score.total == pytest.approx(100.0)
    assert "leave_rate" not in score.excluded


def test_full_week_uses_all_ten_indicators():
    score = compute_score(make_metrics())

    assert score.excluded == ()
    assert not score.renormalised
    assert sum(i.max_points for i in score.indicators) == pytest.approx(100.0)
    assert 0 < score.total < 100


@pytest.mark.parametrize("language, label", [("en", "Not enough data"), ("zh", "数据不足")])
def test_an_empty_period_says_there_is_no_data(language, label):
    report = build_report(make_empty(), make_empty(), language=language)

    assert not report.has_data
    assert report.score.total is None
    assert report.score.grade == "no_data"
    assert report.score.grade_label == label
    assert report.suggestions == ()


def test_a_community_with_no_members_and_no_messages_has_no_data():
    metrics = make_empty()
    metrics = PeriodMetrics(
        community="ghost town",
        period_start=metrics.period_start,
        period_end=metrics.period_end,
        members_at_end=0,
        members_at_start=0,
        joins=0,
        leaves=0,
        messages_per_day=(0,) * 7,
        mau=0,
        dau_mean=0.0,
    )
    report = build_report(metrics)

    assert report.score.total is None
    assert report.score.grade == "no_data"


def test_suggestions_name_the_weakest_indicators_first_in_english():
    # Reactivation and check-ins far below "poor", tier movement a bit below "good".
    report = build_report(
        make_metrics(reactivation_rate=0.0, checkin_participation=0.01, tier_movement_rate=0.05),
        language="en",
    )

    assert [s.indicator for s in report.suggestions][:2] == [
        "checkin_participation",
        "reactivation",
    ]
    checkin = report.suggestions[0].text
    assert "check-in incentives" in checkin
    assert "1.0%" in checkin and "20.0%" in checkin  # the value and the target


def test_suggestions_follow_the_report_language():
    report = build_report(make_metrics(newcomer_retention_7d=0.05), language="zh")

    retention = next(s for s in report.suggestions if s.indicator == "newcomer_retention")
    assert "欢迎 SOP" in retention.text
    assert "5.0%" in retention.text


def test_at_most_max_suggestions_and_none_for_a_healthy_community():
    weak = make_metrics(
        reactivation_rate=0.0,
        checkin_participation=0.0,
        tier_movement_rate=0.0,
        newcomer_retention_7d=0.0,
    )
    config = HealthConfig(max_suggestions=2)
    assert len(build_report(weak, config=config).suggestions) == 2

    relaxed = HealthConfig(suggest_below=0.0)
    assert build_report(weak, config=relaxed).suggestions == ()


def test_an_operator_can_replace_a_suggestion_for_one_indicator():
    config = HealthConfig.model_validate(
        {"indicators": {"reactivation": {"suggestion": "沉默唤醒只有 {value}，试试发红包"}}}
    )
    report = build_report(make_metrics(reactivation_rate=0.0), config=config, language="zh")

    texts = {s.indicator: s.text for s in report.suggestions}
    assert texts["reactivation"] == "沉默唤醒只有 0.0%，试试发红包"


@pytest.mark.parametrize(
    "config, complaint",
    [
        ({"indicators": {"vibes": {"weight": 5}}}, "stickiness"),
        ({"indicators": {"growth": {"good": -0.02}}}, "must differ"),
        ({"indicators": {"growth": {"weight": -1}}}, "greater than or equal"),
        ({"indicators": {"growth": {"suggestion": "{member.name}"}}}, "not allowed"),
        (
            {"grades": [{"key": "a", "min_score": 50, "label": "A"}]},
            "min_score 0",
        ),
    ],
)
def test_bad_health_config_is_rejected_with_a_reason(config, complaint):
    with pytest.raises(ValidationError, match=complaint):
        HealthConfig.model_validate(config)


def test_grade_texts_are_configurable():
    config = HealthConfig.model_validate(
        {
            "grades": [
                {"key": "low", "min_score": 0, "label": "还需努力"},
                {
                    "key": "high",
                    "min_score": 50,
                    "label": {"en": "Great", "zh": "很棒"},
                },
            ]
        }
    )
    score = compute_score(only_stickiness_and_leaves(dau=25, mau=100, leaves=10), config, "zh")
    assert (score.grade, score.grade_label) == ("high", "很棒")


def test_comparison_is_safe_with_missing_and_zero_previous_values():
    previous = make_metrics(joins=0, reactivation_rate=None)
    changes = compare(make_metrics(joins=20), previous)

    assert changes["joins"].absolute == 20
    assert changes["joins"].relative is None  # up from zero: no meaningful percentage
    assert changes["reactivation_rate"].absolute is None
    assert changes["total_messages"].direction == "flat"
    assert compare(make_metrics(), None)["dau_mean"].previous is None


def test_metrics_reject_impossible_values():
    with pytest.raises(ValueError, match="between 0 and 1"):
        make_metrics(newcomer_retention_7d=1.5)
    with pytest.raises(ValueError, match="7 rows"):
        make_metrics(peak_hours=((0,) * 24,) * 6)
    with pytest.raises(ValueError, match="8 values for a 7-day"):
        make_metrics(messages_per_day=(1,) * 8)
