"""Metric queries on a hand-built community whose answers are worked out in the comments.

Community timezone Asia/Shanghai (UTC+8). The period is the local week Mon 2026-03-09 .. Sun
2026-03-15, i.e. the instants [2026-03-08 16:00 UTC, 2026-03-15 16:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.reports.collect import make_report, measure
from bot.reports.render import render_markdown, render_summary
from bot.store import Store
from bot.store.models import ActivityDaily, ActivityHourly, Member
from bot.store.reports import period_metrics, tiers_at
from rules.checkin.models import CheckIn
from rules.faq import store as faq_q
from rules.moderation.store import CaseDraft, open_case, reverse_case
from rules.points.models import TierChange
from rules.reactivation.models import Nudge

TZ = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 3, 9), date(2026, 3, 15)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
OLD = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# user: (joined_at, left_at, is_bot)
MEMBERS = {
    "a": (OLD, None, False),
    "b": (OLD, utc(2026, 3, 12, 3), False),  # leaves in the period
    "c": (utc(2026, 3, 2, 2), None, False),  # 7-day cohort, comes back on day 3: retained
    "d": (utc(2026, 3, 3, 0), None, False),  # 7-day cohort, posts only on the join day
    "e": (utc(2026, 3, 1, 15, 59), None, False),  # a minute before the 7-day cohort window
    "f": (utc(2026, 3, 8, 15), utc(2026, 3, 14, 10), False),  # cohort; posts, leaves on day 6
    "g": (utc(2026, 3, 8, 16, 30), None, False),  # joins in the period (local 03-09 00:30)
    "h": (utc(2026, 2, 10, 0), None, False),  # 30-day cohort, posts on day 19: retained
    "i": (utc(2026, 2, 12, 0), None, False),  # 30-day cohort, first post on day 36
    "j": (utc(2026, 3, 15, 15, 59), None, False),  # joins in the last local minute
    "k": (utc(2026, 3, 15, 16, 0), None, False),  # joins at local 03-16 00:00: next period
    "l": (OLD, utc(2026, 3, 8, 15, 59), False),  # leaves at local 03-08 23:59: previous period
    "botty": (OLD, None, True),
}

# (user, local day, messages)
ACTIVITY = [
    *(("a", START + timedelta(days=n), 10) for n in range(7)),
    ("b", date(2026, 3, 9), 5),
    ("f", date(2026, 3, 12), 3),
    ("g", date(2026, 3, 10), 2),
    ("botty", date(2026, 3, 10), 100),  # bots never count
    ("c", date(2026, 3, 5), 1),
    ("d", date(2026, 3, 3), 4),
    ("e", date(2026, 3, 4), 1),
    ("h", date(2026, 3, 1), 2),
    ("i", date(2026, 3, 20), 1),
]


IN = utc(2026, 3, 10)  # inside the period
# (number, action, rule, opened at, reversed at)
CASES = [
    (1, "warn", None, IN, None),  # a moderator's /warn
    (2, "warn", "antispam.links", IN, None),
    (3, "warn", None, utc(2026, 3, 8, 15, 59), utc(2026, 3, 11)),  # opened before, reversed in
    (4, "ban", None, IN, utc(2026, 3, 11)),  # reversed by the /unban below
    (5, "unban", None, utc(2026, 3, 11), None),  # lifting a ban is not a case of its own
    (6, "delete", "antispam.links", IN, None),
    (7, "delete", "antispam.links", IN, None),
    (8, "delete", "antispam.spam_command", IN, None),  # a moderator's /spam
    (9, "delete", "moderation.badwords", IN, None),  # a deletion, but not spam
    (10, "timeout", "antispam.flood", utc(2026, 3, 15, 16), None),  # local 03-16: next period
    (11, "warn", None, utc(2026, 3, 12), utc(2026, 3, 16)),  # reversed only after the period
]
# (entry, local day, answered)
FAQ = [
    ("install-python", date(2026, 3, 10), True),
    ("install-python", date(2026, 3, 15), True),
    ("install-python", date(2026, 3, 11), False),  # asked, not answered
    ("join-plan", date(2026, 3, 16), True),  # next period
    ("old-question", date(2026, 3, 8), True),  # previous period
]


async def add_cases(store: Store, ref) -> None:
    for number, action, rule, opened, reversed_at in CASES:
        draft = CaseDraft(number=number, user_id="b", action=action, rule=rule, actor_id="mod")
        await open_case(store, ref, draft, opened)
        if reversed_at is not None:
            await reverse_case(store, ref, number, "mod", reversed_at)


@pytest.fixture
async def community(db_url):
    store = await Store.open(db_url)
    ref = await store.community("test", "c1")
    async with store.sessions.begin() as s:
        await s.execute(
            insert(Member),
            [
                {
                    "community_id": ref.id,
                    "user_id": user,
                    "name": f"name-{user}",
                    "is_bot": bot,
                    "joined_at": joined,
                    "left_at": left,
                    "join_count": 1,
                    "message_count": 0,
                    "first_message_at": min(
                        (
                            datetime.combine(d, datetime.min.time(), TZ)
                            for u, d, _ in ACTIVITY
                            if u == user
                        ),
                        default=None,
                    ),
                }
                for user, (joined, left, bot) in MEMBERS.items()
            ],
        )
        await s.execute(
            insert(ActivityDaily),
            [
                {
                    "community_id": ref.id,
                    "user_id": u,
                    "day": d,
                    "messages": n,
                    "chars": 0,
                    "links": 0,
                }
                for u, d, n in ACTIVITY
            ],
        )
        await s.execute(
            insert(ActivityHourly),
            [
                {"community_id": ref.id, "day": date(2026, 3, 9), "hour": 20, "messages": 15},
                {"community_id": ref.id, "day": date(2026, 3, 15), "hour": 9, "messages": 10},
                {"community_id": ref.id, "day": date(2026, 3, 16), "hour": 9, "messages": 99},
            ],
        )
    await add_cases(store, ref)
    for entry, day, answered in FAQ:
        await faq_q.count_faq(store, ref, entry, day, answered=answered)
    yield store, ref
    await store.close()


async def test_members_joins_leaves_and_leave_rate_respect_local_period_boundaries(community):
    store, ref = community
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW)

    # present at 03-08 16:00 UTC: a b c d e f h i (g, j, k joined later; l left a minute before)
    assert m.members_at_start == 8
    # present at the end: a c d e g h i j (b and f left, k joins at local midnight after)
    assert m.members_at_end == 8
    assert m.joins == 2  # g and j
    assert m.leaves == 2  # b and f; l left in the previous local week
    assert m.leave_rate == pytest.approx(2 / (8 + 2))
    assert m.net_growth == 0
    assert m.coverage == "complete"


async def test_previous_period_gets_the_leave_and_joins_across_the_boundary(community):
    store, ref = community
    pair = await measure(store, ref, START, END, tz=TZ, now=NOW)
    previous = pair.previous
    assert previous is not None
    assert (previous.period_start, previous.period_end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert previous.leaves == 1  # l, at local 03-08 23:59
    assert previous.joins == 3  # c, d, f; e joined at local 03-01 23:59, the week before


async def test_activity_counts_exclude_bots_and_use_local_days(community):
    store, ref = community
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW)

    # b was warned by antispam.links (case 2): a member punished for spam counts for nothing
    assert m.messages_per_day == (10, 12, 10, 13, 10, 10, 10)
    assert m.total_messages == 75
    assert m.dau_per_day == (1, 2, 1, 2, 1, 1, 1)
    assert m.dau_mean == pytest.approx(9 / 7)
    assert m.active_members == 3  # a f g
    assert m.wau == 3
    # posted in the 30 local days 02-14..03-15: a c d e f g h (i only after the period)
    assert m.mau == 7
    assert m.stickiness == pytest.approx(9 / 7 / 7)
    assert [(c.user_id, c.name, c.messages) for c in m.top_contributors] == [
        ("a", "name-a", 70),
        ("f", "name-f", 3),
        ("g", "name-g", 2),
    ]


async def test_newcomer_retention_cohorts_are_the_members_whose_mark_falls_in_the_period(
    community,
):
    store, ref = community
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW)

    # 7 days: joined in [03-01 16:00, 03-08 16:00 UTC) = c, d, f. c came back; d only posted on
    # the join day; f came back but left on day 6.
    assert m.newcomer_retention_7d == pytest.approx(1 / 3)
    # 30 days: joined in [02-06 16:00, 02-13 16:00 UTC) = h, i. h posted on day 19; i on day 36.
    assert m.newcomer_retention_30d == pytest.approx(1 / 2)


async def test_silent_share_counts_only_members_long_enough_in_the_group(community):
    store, ref = community
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW)

    # 7d: a c d e h i were members for 7+ days at the end; only a posted that week
    # 14d: a e h i; a and e posted since 03-02   30d: a h i; a and h posted since 02-14
    assert dict(m.silent_share) == pytest.approx({"7d": 5 / 6, "14d": 2 / 4, "30d": 1 / 3})


async def test_peak_hours_moderation_and_faq_come_from_the_period_only(community):
    store, ref = community
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW)

    assert m.peak_hours is not None
    assert m.peak_hours[0][20] == 15  # Monday 20:00 local
    assert m.peak_hours[6][9] == 10  # Sunday 09:00 local; Monday 03-16 is the next period
    assert sum(map(sum, m.peak_hours)) == 25
    assert m.faq_top and [(f.question, f.answered) for f in m.faq_top] == [("install-python", 2)]


async def test_moderation_counts_cases_opened_and_reversed_in_the_period(community):
    store, ref = community
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW)

    assert m.moderation is not None
    # opened in the period: warns 1, 2, 11; deletions 6-9; ban 4. Not case 3 (opened a minute
    # before), 5 (an unban only lifts a ban), 10 (local 03-16, the next period).
    assert list(m.moderation.cases_by_type.items()) == [("warn", 3), ("delete", 4), ("ban", 1)]
    assert m.moderation.total_cases == 8
    assert m.moderation.spam_removed == 3  # 6, 7, 8 by anti-spam rules; 9 is not spam
    assert m.moderation.reversals == 2  # 3 and 4 were reversed in the period; 11 after it
    assert m.moderation_load == pytest.approx(8 / 75 * 100)  # 8 cases, 75 messages not spam


async def test_moderation_of_the_previous_period_is_its_own(community):
    store, ref = community
    pair = await measure(store, ref, START, END, tz=TZ, now=NOW)

    assert pair.previous is not None and pair.previous.moderation is not None
    assert dict(pair.previous.moderation.cases_by_type) == {"warn": 1}  # case 3
    assert pair.previous.moderation.reversals == 0


LADDER = (("lurker", "潜水"), ("newcomer", "新人"), ("active", "活跃"), ("core", "核心"))
# (user, from, to, promoted, at) as the points capability records tier evaluations
TIER_CHANGES = [
    ("a", None, "active", True, utc(2026, 3, 1)),
    ("a", "active", "core", True, IN),  # moves up in the period
    ("b", None, "active", True, utc(2026, 3, 1)),  # b left in the period: not in the pyramid
    ("c", None, "newcomer", True, utc(2026, 3, 3)),
    ("c", "newcomer", "active", True, utc(2026, 3, 12)),  # moves up in the period
    ("d", None, "lurker", False, utc(2026, 3, 3)),
    ("e", None, "newcomer", True, utc(2026, 3, 2)),
    ("e", "newcomer", "lurker", False, utc(2026, 3, 11)),  # moves down
    ("g", None, "newcomer", True, IN),  # first placement: where g starts, not a move
    ("h", None, "newcomer", True, utc(2026, 3, 1)),
    ("h", "newcomer", "active", True, utc(2026, 3, 16)),  # after the period
    ("i", None, "mentor", True, utc(2026, 3, 5)),  # a tier since removed from the ladder
]
# (user, local day, streak reached that day)
CHECKINS = [
    ("a", date(2026, 3, 11), 3),
    ("b", date(2026, 3, 9), 5),
    ("c", date(2026, 3, 12), 2),
    ("e", date(2026, 3, 13), 2),
    ("g", date(2026, 3, 14), 2),
    ("h", date(2026, 3, 10), 4),
    ("j", date(2026, 3, 15), 1),
    ("d", date(2026, 3, 5), 7),  # the week before
]
# (user, nudged at, returned at)
NUDGES = [
    ("e", utc(2026, 3, 9), utc(2026, 3, 10)),  # came back in the period
    ("h", utc(2026, 3, 10), utc(2026, 3, 16)),  # came back only after the period
    ("i", utc(2026, 3, 11), None),
    ("c", utc(2026, 3, 7), utc(2026, 3, 9)),  # nudged the week before
    ("d", utc(2026, 3, 15, 16), None),  # local 03-16: next period
]


async def add_engagement(store: Store, ref) -> None:
    async with store.sessions.begin() as s:
        await s.execute(
            insert(TierChange),
            [
                {"community_id": ref.id, "user_id": u, "from_tier": f, "to_tier": t,
                 "promoted": p, "at": at}
                for u, f, t, p, at in TIER_CHANGES
            ],
        )  # fmt: skip
        await s.execute(
            insert(CheckIn),
            [
                {"community_id": ref.id, "user_id": u, "day": d, "streak": n, "freeze_used": 0,
                 "at": datetime.combine(d, datetime.min.time(), TZ)}
                for u, d, n in CHECKINS
            ],
        )  # fmt: skip
        await s.execute(
            insert(Nudge),
            [
                {"community_id": ref.id, "user_id": u, "step": 0, "via": "direct",
                 "silent_since": OLD, "nudged_at": at, "returned_at": back}
                for u, at, back in NUDGES
            ],
        )  # fmt: skip


async def test_check_ins_reactivation_and_tiers_from_engagement_records(community):
    store, ref = community
    await add_engagement(store, ref)
    m = await period_metrics(store, ref, START, END, tz=TZ, now=NOW, tiers=LADDER)

    # present at the end: a c d e g h i j (8). Checked in during the period: a b c e g h j
    assert m.checkin_participation == pytest.approx(7 / 8)
    assert m.checkin_streaks is not None
    # streaks of 2+: a b c e g h — six, more than the top five of a leaderboard
    assert m.checkin_streaks.members_on_streak == 6
    assert m.checkin_streaks.longest == 5
    assert m.checkin_streaks.mean == pytest.approx((3 + 5 + 2 + 2 + 2 + 4 + 1) / 7)
    # nudged in the period: e (back), h (back only after the end), i (not back)
    assert m.reactivation_rate == pytest.approx(1 / 3)
    # tiers at the end, members present only, in the ladder's order with its names; the tier
    # no longer in the ladder last; the empty top tier is kept
    assert m.tier_distribution == (
        ("潜水", 2),
        ("新人", 2),
        ("活跃", 1),
        ("核心", 1),
        ("mentor", 1),
    )
    # a and c moved up from a tier they held; g's first placement and h's later move do not count
    assert m.tier_movement_rate == pytest.approx(2 / 8)


async def test_tiers_of_an_earlier_period_are_those_it_ended_with(community):
    store, ref = community
    await add_engagement(store, ref)
    before = await period_metrics(
        store, ref, date(2026, 3, 2), date(2026, 3, 8), tz=TZ, now=NOW, tiers=LADDER
    )

    # at local 03-08 24:00: a b active; c e h newcomer; d lurker; i mentor (l had left)
    assert before.tier_distribution == (
        ("潜水", 1),
        ("新人", 3),
        ("活跃", 2),
        ("核心", 0),
        ("mentor", 1),
    )
    assert before.tier_movement_rate == 0  # only first placements that week
    # d checked in; present at its end: a b c d e f h i (l left a minute before, g came after)
    assert before.checkin_participation == pytest.approx(1 / 8)


def test_without_a_ladder_the_biggest_tier_is_the_base():
    class Move:
        def __init__(self, user_id: str, to_tier: str) -> None:
            self.user_id, self.to_tier = user_id, to_tier

    moves = [Move("a", "x"), Move("b", "y"), Move("c", "y"), Move("a", "y"), Move("z", "x")]
    assert tiers_at(moves, {"a", "b", "c"}, None) == (("y", 3),)


async def test_check_ins_reactivation_and_tiers_never_recorded_are_no_data_not_zero(community):
    store, ref = community
    report = make_report(await measure(store, ref, START, END, tz=TZ, now=NOW))

    m = report.current
    assert (m.checkin_participation, m.reactivation_rate, m.tier_movement_rate) == (None,) * 3
    assert {"checkin_participation", "reactivation", "tier_movement"} <= set(report.score.excluded)
    assert report.score.total is not None


async def test_a_period_in_the_future_says_so(community):
    store, ref = community
    pair = await measure(store, ref, date(2026, 4, 6), date(2026, 4, 12), tz=TZ, now=NOW)
    report = make_report(pair)

    assert pair.current.coverage == "future"
    assert report.score.total is None
    assert "has not started yet" in render_markdown(report)
    assert "has not started yet" in render_summary(report)


async def test_a_period_not_over_is_measured_up_to_today(community):
    store, ref = community
    m = await period_metrics(store, ref, date(2026, 3, 16), date(2026, 3, 22), tz=TZ, now=NOW)

    assert m.coverage == "partial"
    assert m.period_end == date(2026, 3, 20)  # local today
    assert m.total_messages == 1  # i on 03-20
    assert m.joins == 1  # k


async def test_an_empty_community_gets_a_report_that_says_so(db_url):
    store = await Store.open(db_url)
    try:
        ref = await store.community("test", "empty")
        pair = await measure(store, ref, START, END, tz=TZ, now=NOW)
        report = make_report(pair, language="zh")
    finally:
        await store.close()

    assert pair.current.coverage == "empty"
    assert pair.previous is None
    assert report.score.total is None
    assert "社群还没有成员或消息" in render_summary(report)


async def test_a_quiet_period_long_ago_has_no_data_and_no_division_by_zero(community):
    store, ref = community
    pair = await measure(store, ref, date(2025, 6, 2), date(2025, 6, 8), tz=TZ, now=NOW)
    report = make_report(pair)

    assert not pair.current.has_data
    assert report.score.total is None
    assert "No activity data" in render_markdown(report)
