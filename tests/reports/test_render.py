from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest

from bot.reports.charts import render_charts
from bot.reports.model import Contributor
from bot.reports.render import (
    JSON_SCHEMA,
    SHORT_LIMIT,
    render_html,
    render_json,
    render_markdown,
    render_summary,
)
from bot.reports.score import build_report

from . import WEEK_START, make_empty, make_metrics


def week_over_week(language: str, **overrides):
    previous = make_metrics(
        start=WEEK_START - timedelta(days=7),
        messages_per_day=(200,) * 7,  # 1,400 messages: this week's 2,660 is +90.0%
        dau_mean=32.0,
        mau=200,
    )
    return build_report(make_metrics(**overrides), previous, language=language)


def test_english_summary_shows_score_grade_key_figures_and_changes():
    report = week_over_week("en")
    text = render_summary(report)

    assert f"{report.score.total:.1f} / 100" in text
    assert report.score.grade_label in text
    assert "Messages: 2,660 (▲ 90.0%)" in text
    assert "Stickiness (DAU/MAU): 20.0% (▲ 4.0 pp)" in text
    assert "+20 / −10 (+10)" in text
    for suggestion in report.suggestions:
        assert suggestion.text in text
    assert len(text) <= SHORT_LIMIT


def test_chinese_summary_uses_chinese_labels_and_suggestions():
    report = week_over_week("zh", checkin_participation=0.0)
    text = render_summary(report)

    assert "社群健康报告：Python 学习群" in text
    assert "健康分：" in text
    assert "消息数：2,660 (▲ 90.0%)" in text
    assert "运营建议" in text
    assert "打卡激励" in text  # the check-in suggestion, in Chinese


def test_summary_says_which_indicators_had_no_data():
    report = week_over_week("en", reactivation_rate=None, checkin_participation=None)
    text = render_summary(report)

    assert "Scored on 8 of 10 indicators" in text
    assert "Check-in participation, Reactivation" in text


@pytest.mark.parametrize("language, phrase", [("en", "No activity data"), ("zh", "暂无活跃数据")])
def test_every_format_says_so_when_there_is_no_data(language, phrase, tmp_path):
    report = build_report(make_empty(), language=language)

    assert phrase in render_summary(report)
    assert phrase in render_markdown(report)
    assert phrase in render_html(report, render_charts(report, language, tmp_path))
    data = json.loads(render_json(report))
    assert data["score"]["total"] is None
    assert data["score"]["grade"] == "no_data"


def test_full_markdown_has_the_tables_and_sections_operators_need():
    report = week_over_week("en")
    text = render_markdown(report)

    assert "| Messages | 2,660 | 1,400 | ▲ 90.0% |" in text
    assert "| Newcomer 7-day retention | 45.0% | 45.0% | = |" in text
    assert "### Score breakdown" in text
    assert "Sat 19:00–20:00" in text  # the busiest slot of the sample heat map
    assert "1. 小明 — 210 messages" in text
    assert "- 元老: 10" in text
    assert "怎么安装 Python？ — answered 12×" in text
    assert "Spam removed: 14" in text


def test_member_names_cannot_format_or_ping_in_markdown():
    report = week_over_week(
        "en",
        top_contributors=(Contributor("@everyone", 50), Contributor("**boss**", 40)),
    )
    text = render_markdown(report)

    assert "@everyone" not in text
    assert "**boss**" not in text
    assert r"\*\*boss\*\*" in text


def test_json_has_stable_sorted_keys_and_the_figures():
    report = week_over_week("zh")
    text = render_json(report)
    data = json.loads(text)

    assert text == render_json(report)
    assert list(data) == sorted(data)
    assert data["schema"] == JSON_SCHEMA
    assert data["current"]["metrics"]["total_messages"] == 2660
    assert data["previous"]["metrics"]["total_messages"] == 1400
    assert data["comparison"]["total_messages"]["relative"] == pytest.approx(0.9)
    assert data["current"]["tiers"][0] == {"tier": "新手", "members": 250}
    assert data["score"]["total"] == report.score.total
    assert len(data["score"]["indicators"]) == 10
    assert '"新手"' in text  # Chinese is written as is, not as \u escapes


def test_html_page_is_self_contained_and_escapes_member_text(tmp_path):
    report = week_over_week("zh", top_contributors=(Contributor("<script>x</script>", 9),))
    charts = render_charts(report, "zh", tmp_path)
    page = render_html(report, charts)

    assert page.startswith("<!DOCTYPE html>")
    assert 'lang="zh-CN"' in page
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == len(charts) == 4
    assert base64.b64decode(images[0])[:4] == b"\x89PNG"
    assert f"{report.score.total:.1f}" in page
    assert "http" not in page  # nothing to fetch: it opens offline
