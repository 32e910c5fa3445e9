"""Bad engagement playbooks are refused with a located, readable error."""

from __future__ import annotations

import pytest

from bot.app import playbook_model
from bot.playbook.loader import PlaybookInvalid, parse_playbook


def problems(text: str) -> str:
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook(text, playbook_model(), file="pb.yaml")
    return str(caught.value)


def test_a_level_table_that_does_not_increase_is_refused():
    text = problems("points:\n  levels:\n    table: [100, 250, 250, 400]\n")
    assert "pb.yaml:3" in text
    assert "level 3 needs 250 but level 2 already needs 250" in text


def test_a_curve_that_does_not_increase_is_refused():
    assert "points.levels.curve.c" in problems("points: {levels: {curve: {a: 0, b: 0, c: 0}}}")
    assert "points.levels.curve.a" in problems("points: {levels: {curve: {a: -5}}}")


def test_negative_or_absurd_amounts_are_refused():
    assert "points.messages.points" in problems("points: {messages: {points: -3}}")
    assert "checkin.points" in problems("checkin: {points: 1000000000}")
    assert "points.shop.items.mug.cost" in problems(
        "points: {shop: {items: {mug: {name: Mug, cost: 0}}}}"
    )


def test_reactivation_sweep_inside_quiet_hours_is_refused():
    text = problems("reactivation:\n  at: '23:00'\n")
    assert "inside quiet hours" in text


def test_reactivation_steps_must_grow():
    assert "increasing order" in problems("reactivation: {steps: [{after: 14d}, {after: 7d}]}")


def test_faq_entry_needs_a_keyword_or_pattern_and_a_valid_pattern():
    assert "faq.entries[0]" in problems("faq: {entries: [{id: x, answer: hi}]}")
    assert "faq.entries[0].patterns" in problems(
        "faq: {entries: [{id: x, answer: hi, patterns: ['(unclosed']}]}"
    )


def test_the_shipped_playbooks_are_valid():
    from pathlib import Path

    for path in Path("playbooks").glob("*.yaml"):
        parse_playbook(path.read_text(encoding="utf-8"), playbook_model(), file=str(path))
