"""Bad referral sections are refused with a located, readable error."""

from __future__ import annotations

import pytest

from bot.app import playbook_model
from bot.playbook.loader import PlaybookInvalid, parse_playbook


def problems(text: str) -> str:
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook(text, playbook_model(), file="pb.yaml")
    return str(caught.value)


def campaign(**fields: str) -> str:
    body = {"name": "spring", "start": "2026-04-01", "end": "2026-04-30", **fields}
    inner = ", ".join(f"{k}: {v}" for k, v in body.items())
    return f"referrals:\n  campaigns:\n    - {{{inner}}}\n"


def test_a_campaign_that_ends_before_it_starts_is_refused():
    text = problems(campaign(end="2026-03-01"))
    assert "pb.yaml:3" in text and "campaign 'spring' ends before it starts" in text


def test_a_badge_without_a_goal_and_a_bad_day_are_refused():
    assert "a badge role or points need a `goal`" in problems(campaign(role="Star"))
    assert "expected a local day such as 2026-12-01" in problems(campaign(start="soon"))


def test_two_campaigns_with_one_name_and_an_unknown_key_are_refused():
    twice = (
        "referrals:\n  campaigns:\n"
        "    - {name: A, start: 2026-04-01, end: 2026-04-02}\n"
        "    - {name: a, start: 2026-05-01, end: 2026-05-02}\n"
    )
    assert "campaign names must be unique; repeated: a" in problems(twice)
    assert "referrals.rewards.afer" in problems("referrals: {rewards: {afer: 7d}}")


def test_a_campaign_day_and_time_are_local_and_the_end_day_is_included():
    from zoneinfo import ZoneInfo

    model = parse_playbook(
        "community: {timezone: Asia/Shanghai}\n"
        + campaign(start="'2026-04-01 20:00'", end="2026-04-30"),
        playbook_model(),
        file="pb.yaml",
    )
    start, end = model.referrals.campaigns[0].window(ZoneInfo("Asia/Shanghai"))
    assert (start.hour, start.day) == (20, 1)
    assert (end.day, end.month, end.hour) == (1, 5, 0)
