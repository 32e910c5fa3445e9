"""Health-report metrics for any period, from the core tables (and other capabilities' tables
when they exist). The only SQL of the report lives here; the arithmetic is in plain functions
below so it reads like the definitions in docs/reports.md.

A period is a range of LOCAL dates `start..end` (inclusive) in the community's timezone; its
instants are local midnight of `start` up to local midnight after `end`. Bots never count.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.engine import Connection

from bot.privacy import is_anonymous
from bot.reports.model import (
    HOURS,
    WEEKDAYS,
    Contributor,
    FaqEntry,
    ModerationStats,
    PeriodMetrics,
    StreakStats,
)
from bot.store.models import ActivityDaily, ActivityHourly, Member, MembershipEvent
from bot.store.store import CommunityRef, Store
from rules.checkin import store as checkin_q
from rules.faq import store as faq_q
from rules.moderation.models import ModerationCase
from rules.points.models import TierChange
from rules.reactivation.models import Nudge

RETENTION_DAYS = (7, 30)
SILENT_TIERS = (7, 14, 30)
# Case actions in display order (others follow alphabetically); `delete` is an automatic
# deletion. Cases that only lift a restriction (/unban, /untimeout) are not counted as cases.
CASE_ORDER = ("warn", "delete", "timeout", "kick", "ban")
UNDO_KINDS = frozenset({"unban", "untimeout"})
# Tier ladder from the playbook, lowest first: (tier id, name shown).
TierLadder = Sequence[tuple[str, str]]
# The widest look-back any metric needs before the period starts (30-day cohorts, MAU).
_LOOKBACK = timedelta(days=31)


@dataclass(frozen=True, slots=True)
class MemberRow:
    user_id: str
    name: str
    joined_at: datetime | None
    left_at: datetime | None
    first_message_at: datetime | None
    # every join and leave, oldest first (membership_events): periods of membership
    history: tuple[tuple[str, datetime], ...] = ()

    @property
    def arrived_at(self) -> datetime | None:
        """When we first knew them: their (latest) join, or their first message for members
        who were there before the bot."""
        return self.joined_at or self.first_message_at

    def joins_in(self, since: datetime, until: datetime) -> list[datetime]:
        return self._events("join", self.joined_at, since, until)

    def leaves_in(self, since: datetime, until: datetime) -> list[datetime]:
        return self._events("leave", self.left_at, since, until)

    def _events(
        self, wanted: str, latest: datetime | None, since: datetime, until: datetime
    ) -> list[datetime]:
        if not self.history:  # a row without history: its latest join or leave is all we know
            return [latest] if latest is not None and since <= latest < until else []
        return [at for kind, at in self.history if kind == wanted and since <= at < until]

    def present_at(self, when: datetime) -> bool:
        """Membership at an instant, from the last join or leave before it. Before the first
        recorded event a member is present when that event is a leave (they were there before
        the bot saw them join) and they had posted by then."""
        if not self.history:
            arrived = self.arrived_at
            if arrived is None or when < arrived:
                return False
            return self.left_at is None or when < self.left_at
        last = None
        for kind, at in self.history:
            if at > when:
                break
            last = kind
        if last is not None:
            return last == "join"
        first_kind = self.history[0][0]
        first = self.first_message_at
        return first_kind == "leave" and first is not None and first <= when


def local_bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `start` and local midnight after `end`."""
    return (
        datetime.combine(start, time(), tzinfo=tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC),
    )


# -- queries -----------------------------------------------------------------------------------
# Built once (a statement per call cost more CPU than running it) and read with Core rows on a
# plain connection, a period's reads in one `sessions.read` (no session, no ORM instances).

_COMMUNITY = bindparam("community")
_MEMBERS = select(
    Member.user_id,
    Member.name,
    Member.joined_at,
    Member.left_at,
    Member.first_message_at,
    Member.is_bot,
).where(Member.community_id == _COMMUNITY)
_HISTORY = (
    select(MembershipEvent.user_id, MembershipEvent.kind, MembershipEvent.at)
    .where(MembershipEvent.community_id == _COMMUNITY)
    .order_by(MembershipEvent.at, MembershipEvent.id)
)
_DAILY = select(ActivityDaily.user_id, ActivityDaily.day, ActivityDaily.messages).where(
    ActivityDaily.community_id == _COMMUNITY,
    ActivityDaily.day >= bindparam("start"),
    ActivityDaily.day <= bindparam("end"),
)
_HOURLY = select(ActivityHourly.day, ActivityHourly.hour, ActivityHourly.messages).where(
    ActivityHourly.community_id == _COMMUNITY,
    ActivityHourly.day >= bindparam("start"),
    ActivityHourly.day <= bindparam("end"),
)
_ANY_ACTIVITY = select(ActivityDaily.day).where(ActivityDaily.community_id == _COMMUNITY).limit(1)
_SINCE, _UNTIL = bindparam("since"), bindparam("until")
_CASES = select(
    ModerationCase.action,
    ModerationCase.rule,
    ModerationCase.created_at,
    ModerationCase.reversed_at,
    ModerationCase.actions,
).where(
    ModerationCase.community_id == _COMMUNITY,
    ((ModerationCase.created_at >= _SINCE) & (ModerationCase.created_at < _UNTIL))
    | ((ModerationCase.reversed_at >= _SINCE) & (ModerationCase.reversed_at < _UNTIL)),
)
_SPAM = select(ModerationCase.user_id, ModerationCase.action, ModerationCase.created_at).where(
    ModerationCase.community_id == _COMMUNITY,
    ModerationCase.created_at >= _SINCE,
    ModerationCase.created_at < _UNTIL,
    ModerationCase.reversed_at.is_(None),
    ModerationCase.rule.like("antispam%") | (ModerationCase.action == "spam"),
)
# reactivation: the nudges sent in [since, until) and those whose member came back before until
_NUDGES = select(
    func.count(), func.coalesce(func.sum(sql_case((Nudge.returned_at < _UNTIL, 1), else_=0)), 0)
).where(Nudge.community_id == _COMMUNITY, Nudge.nudged_at >= _SINCE, Nudge.nudged_at < _UNTIL)
# every tier change before until, oldest first (the tiers members hold then)
_TIER_MOVES = (
    select(
        TierChange.user_id,
        TierChange.from_tier,
        TierChange.to_tier,
        TierChange.promoted,
        TierChange.at,
    )
    .where(TierChange.community_id == _COMMUNITY, TierChange.at < _UNTIL)
    .order_by(TierChange.id)
)


@dataclass(frozen=True, slots=True)
class Roster:
    """The community's members (bots apart, with their joins and leaves) and its bots: read
    once for both periods of a report."""

    members: list[MemberRow]
    bots: frozenset[str]


def _roster(conn: Connection, community: int) -> Roster:
    history: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for user, kind, at in conn.execute(_HISTORY, {"community": community}):
        history[user].append((kind, at))
    members: list[MemberRow] = []
    bots: set[str] = set()
    for user, name, joined, left, first, is_bot in conn.execute(_MEMBERS, {"community": community}):
        if is_bot:
            bots.add(user)
        else:
            members.append(
                MemberRow(user, name or user, joined, left, first, tuple(history.get(user, ())))
            )
    return Roster(members, frozenset(bots))


async def roster(store: Store, ref: CommunityRef) -> Roster:
    return await store.sessions.read(lambda conn: _roster(conn, ref.id))


async def member_rows(store: Store, ref: CommunityRef) -> list[MemberRow]:
    return (await roster(store, ref)).members


async def daily_rows(
    store: Store, ref: CommunityRef, start: date, end: date
) -> list[tuple[str, date, int]]:
    """(user, local day, messages) for start <= day <= end."""
    params = {"community": ref.id, "start": start, "end": end}
    return await store.sessions.read(
        lambda conn: [(r[0], r[1], r[2]) for r in conn.execute(_DAILY, params)]
    )


async def hourly_rows(
    store: Store, ref: CommunityRef, start: date, end: date
) -> list[tuple[date, int, int]]:
    """(local day, local hour, messages) for start <= day <= end."""
    params = {"community": ref.id, "start": start, "end": end}
    return await store.sessions.read(
        lambda conn: [(r[0], r[1], r[2]) for r in conn.execute(_HOURLY, params)]
    )


@dataclass(frozen=True, slots=True)
class CaseRow:
    action: str
    rule: str | None
    created_at: datetime
    reversed_at: datetime | None
    # the incident's actions that took effect (delete, warn, timeout, ...); () = just `action`
    steps: tuple[str, ...] = ()


async def case_rows(
    store: Store, ref: CommunityRef, since: datetime, until: datetime
) -> list[CaseRow]:
    """Moderation cases opened or reversed in [since, until)."""
    params = {"community": ref.id, "since": since, "until": until}
    return await store.sessions.read(lambda conn: _cases(conn, params))


def _cases(conn: Connection, params: dict[str, Any]) -> list[CaseRow]:
    return [
        CaseRow(r[0], r[1], r[2], r[3], _done_steps(r[4])) for r in conn.execute(_CASES, params)
    ]


def _done_steps(actions: list[dict[str, Any]] | None) -> tuple[str, ...]:
    """The kinds of a case's actions that took effect (a refused timeout is no timeout)."""
    return tuple(
        str(a.get("kind")) for a in actions or () if a.get("status") in ("done", "pending")
    )


async def spam_cases(
    store: Store, ref: CommunityRef, since: datetime, until: datetime
) -> list[tuple[str, str, datetime]]:
    """(user, action, when) of the spam cases opened in [since, until) and not reversed: those
    of the anti-spam rules and a moderator's /spam."""
    params = {"community": ref.id, "since": since, "until": until}
    return await store.sessions.read(
        lambda conn: [(r[0], r[1], r[2]) for r in conn.execute(_SPAM, params)]
    )


def without_spam(
    rows: list[tuple[str, date, int]],
    hourly: list[tuple[date, int, int]],
    spam: Iterable[tuple[str, str, datetime]],
    tz: tzinfo,
) -> tuple[list[tuple[str, date, int]], list[tuple[date, int, int]]]:
    """Activity as the community lived it: messages removed as spam do not count, and members
    punished for spam (timed out, kicked, banned, /spam) count for nothing at all."""
    punished = {user for user, action, _ in spam if action != "delete"}
    removed: Counter[tuple[str, date]] = Counter()
    removed_at: Counter[tuple[date, int]] = Counter()
    for user, action, when in spam:
        if action == "delete":
            local = when.astimezone(tz)
            removed[(user, local.date())] += 1
            removed_at[(local.date(), local.hour)] += 1
    kept = [
        (user, day, max(0, n - removed[(user, day)]))
        for user, day, n in rows
        if user not in punished
    ]
    hours = [(day, hour, max(0, n - removed_at[(day, hour)])) for day, hour, n in hourly]
    return kept, hours


async def has_any_activity(store: Store, ref: CommunityRef) -> bool:
    found = await store.sessions.read(
        lambda conn: conn.execute(_ANY_ACTIVITY, {"community": ref.id}).scalar()
    )
    return found is not None


@dataclass(frozen=True, slots=True)
class _PeriodRows:
    daily: list[tuple[str, date, int]]  # from the look-back on
    hourly: list[tuple[date, int, int]]
    spam: list[tuple[str, str, datetime]]  # from the look-back on
    cases: list[CaseRow]


def _period_rows(
    conn: Connection,
    community: int,
    start: date,
    end: date,
    lookback: datetime,
    since: datetime,
    until: datetime,
) -> _PeriodRows:
    """A period's activity (the daily rows and spam cases from the look-back on) and its
    cases, in one read."""
    days = {"community": community, "start": start - _LOOKBACK, "end": end}
    hours = {"community": community, "start": start, "end": end}
    spam = {"community": community, "since": lookback, "until": until}
    cases = {"community": community, "since": since, "until": until}
    return _PeriodRows(
        [(r[0], r[1], r[2]) for r in conn.execute(_DAILY, days)],
        [(r[0], r[1], r[2]) for r in conn.execute(_HOURLY, hours)],
        [(r[0], r[1], r[2]) for r in conn.execute(_SPAM, spam)],
        _cases(conn, cases),
    )


# -- definitions (pure) ------------------------------------------------------------------------


def newcomer_retention(
    members: Iterable[MemberRow],
    active_days: dict[str, set[date]],
    since: datetime,
    until: datetime,
    days: int,
    tz: tzinfo,
) -> float | None:
    """N-day retention of the newcomers whose N-day mark falls in [since, until).

    Cohort: members whose latest join is in [since − N days, until − N days). Retained: still a
    member N days after joining, and posted on at least one local day from the day after the
    join day to N days after it. None when the cohort is empty."""
    window = timedelta(days=days)
    cohort = retained = 0
    for m in members:
        joins = m.joins_in(since - window, until - window)
        if not joins:
            continue
        joined = joins[-1]
        cohort += 1
        if m.history:
            stayed = not m.leaves_in(joined, joined + window)
        else:
            stayed = m.left_at is None or m.left_at < joined or m.left_at >= joined + window
        join_day = joined.astimezone(tz).date()
        came_back = any(
            join_day < d <= join_day + timedelta(days=days) for d in active_days.get(m.user_id, ())
        )
        retained += stayed and came_back
    return retained / cohort if cohort else None


def silent_shares(
    members: Iterable[MemberRow],
    active_days: dict[str, set[date]],
    end_day: date,
    until: datetime,
    present: Iterable[MemberRow] | None = None,
) -> dict[str, float]:
    """For N in 7/14/30: of the members present at the period's end who had been members for
    at least N days, the share who posted nothing in the N local days ending with `end_day`.
    `present`: those members, when known already."""
    if present is None:
        present = [m for m in members if m.present_at(until - timedelta(microseconds=1))]
    # each present member's arrival and last posting day up to end_day, found once for all N
    seen = []
    for m in present:
        arrived = m.arrived_at
        if arrived is not None:
            days = [d for d in active_days.get(m.user_id, ()) if d <= end_day]
            seen.append((arrived, max(days) if days else None))
    shares: dict[str, float] = {}
    for n in SILENT_TIERS:
        cutoff = until - timedelta(days=n)
        first = end_day - timedelta(days=n - 1)
        eligible = [last for arrived, last in seen if arrived <= cutoff]
        if eligible:
            silent = sum(1 for last in eligible if last is None or last < first)
            shares[f"{n}d"] = silent / len(eligible)
    return shares


def moderation_stats(cases: Iterable[CaseRow], since: datetime, until: datetime) -> ModerationStats:
    """Cases (incidents) opened in [since, until) by their main action, the actions they
    took by kind (one incident may delete, warn and time out), the automatic spam deletions
    among them, and the cases a moderator reversed in the period (whenever opened)."""
    by_type: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    spam = reversals = 0
    for case in cases:
        if case.reversed_at is not None and since <= case.reversed_at < until:
            reversals += 1
        if not since <= case.created_at < until or case.action in UNDO_KINDS:
            continue
        by_type[case.action] += 1
        done = case.steps or (case.action,)
        steps.update(done)
        if "delete" in done and (case.rule or "").startswith("antispam"):
            spam += 1

    def ordered(counts: Counter[str]) -> dict[str, int]:
        order = [k for k in CASE_ORDER if counts[k]] + sorted(set(counts) - set(CASE_ORDER))
        return {kind: counts[kind] for kind in order}

    return ModerationStats(
        cases_by_type=ordered(by_type),
        actions_by_type=ordered(steps),
        spam_removed=spam,
        reversals=reversals,
    )


# -- engagement metrics, from the check-in, reactivation, points and FAQ capabilities -----


async def faq_answers(
    store: Store, ref: CommunityRef, start: date, end: date, top: int
) -> tuple[FaqEntry, ...]:
    """The FAQ entries answered most in the local days start..end (the FAQ rule's counts)."""
    counts = await faq_q.faq_answer_counts(store, ref, start, end + timedelta(days=1))
    answered = sorted(
        ((entry, n) for entry, _asked, n in counts if n > 0), key=lambda kv: (-kv[1], kv[0])
    )
    return tuple(FaqEntry(entry, n) for entry, n in answered[:top])


def tiers_at(moves: Iterable[Any], present: set[str], ladder: TierLadder | None) -> tuple:
    """Members per tier at the end of the moves given (oldest first), members present only,
    lowest tier first: the playbook's ladder order with its names (empty tiers kept, so the
    pyramid shows every step); tiers no longer in the ladder follow under their ids. Without a
    ladder the biggest tier is taken as the base."""
    latest: dict[str, str] = {}
    for move in moves:
        latest[move.user_id] = move.to_tier
    counts = Counter(tier for user, tier in latest.items() if user in present)
    if not ladder:
        return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    known = [tier_id for tier_id, _ in ladder]
    ordered = [(name, counts[tier_id]) for tier_id, name in ladder]
    ordered += [(tier, counts[tier]) for tier in sorted(set(counts) - set(known))]
    return tuple(ordered)


async def engagement_metrics(
    store: Store,
    ref: CommunityRef,
    start: date,
    end: date,
    since: datetime,
    until: datetime,
    present: set[str],
    tiers: TierLadder | None = None,
) -> dict[str, Any]:
    """Check-ins, reactivation and tiers from their capabilities' stores; a key is left out when
    there is nothing to show, so the report shows "no data" instead of zeros. A feature that
    left no record (check-ins: in the last 30 days; tiers: ever, up to the period's end) counts
    as not in use (no data), not as 0%. `present`: the members present at the period's end."""
    found: dict[str, Any] = {}
    members_at_end = len(present)
    recent = await checkin_q.checkin_stats(
        store, ref, end - timedelta(days=29), end + timedelta(days=1)
    )
    if recent.participants:
        stats = await checkin_q.checkin_stats(
            store, ref, start, end + timedelta(days=1), top=max(1, recent.participants)
        )
        found["checkin_participation"] = (
            min(1.0, stats.participants / members_at_end) if members_at_end else None
        )
        found["checkin_streaks"] = StreakStats(
            members_on_streak=sum(1 for _, streak in stats.longest_streaks if streak >= 2),
            longest=stats.longest_streaks[0][1] if stats.longest_streaks else 0,
            mean=stats.average_streak if stats.participants else None,
        )
    params = {"community": ref.id, "since": since, "until": until}
    (nudged, back), history = await store.sessions.read(
        lambda conn: (
            tuple(conn.execute(_NUDGES, params).one()),
            conn.execute(_TIER_MOVES, params).all(),
        )
    )
    if nudged:
        found["reactivation_rate"] = int(back) / nudged
    if history:
        found["tier_distribution"] = tiers_at(history, present, tiers)
        # a first placement is where a member starts, not a move: count members who went up
        # from a tier they already held
        promoted = {
            m.user_id
            for m in history
            if m.promoted and m.from_tier is not None and m.at is not None and m.at >= since
        }
        if members_at_end:
            found["tier_movement_rate"] = min(1.0, len(promoted) / members_at_end)
    return found


# -- the whole period ------------------------------------------------------------------------


async def period_metrics(
    store: Store,
    ref: CommunityRef,
    start: date,
    end: date,
    *,
    tz: tzinfo,
    now: datetime,
    community_name: str = "",
    top: int = 5,
    tiers: TierLadder | None = None,
    known: Roster | None = None,
) -> PeriodMetrics:
    """Every metric of the local-date period start..end, as the store knows it at `now`.
    `tiers`: the playbook's tier ladder (lowest first), for the pyramid's order and names.
    `known`: the roster, when read already (for the period before, in the same report).

    A period in the future measures nothing; one that is not over is measured up to `now` and
    ends today (coverage "partial")."""
    name = community_name or ref.external_id
    zone = getattr(tz, "key", None) or str(tz)
    today = now.astimezone(tz).date()
    base = {"community": name, "timezone": zone, "period_start": start}
    if start > today:
        return PeriodMetrics(**base, period_end=end, coverage="future")
    coverage = "complete"
    if end >= today:
        end, coverage = today, "partial"
    since, until = local_bounds(start, end, tz)
    until = min(until, now) if coverage == "partial" else until

    if known is None:
        await store.flush()  # buffered counters belong in the report
        known = await roster(store, ref)
    members = known.members
    if not members and not await has_any_activity(store, ref):
        return PeriodMetrics(**base, period_end=end, coverage="empty")
    lookback, _ = local_bounds(start - _LOOKBACK, end, tz)
    read = await store.sessions.read(
        lambda conn: _period_rows(conn, ref.id, start, end, lookback, since, until)
    )
    bots = known.bots
    rows, hourly = without_spam(
        [r for r in read.daily if r[0] not in bots], read.hourly, read.spam, tz
    )
    active_days: dict[str, set[date]] = defaultdict(set)
    for user, day, messages in rows:
        if messages > 0:
            active_days[user].add(day)

    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    in_period = [r for r in rows if start <= r[1] <= end]
    per_day_messages: Counter[date] = Counter()
    per_day_posters: dict[date, set[str]] = defaultdict(set)
    per_user: Counter[str] = Counter()
    for user, day, messages in in_period:
        per_day_messages[day] += messages
        if messages > 0:
            per_day_posters[day].add(user)
        per_user[user] += messages
    dau = tuple(len(per_day_posters[d]) for d in days)

    def posters(first: date) -> int:
        return len({u for u, d, n in rows if first <= d <= end and n > 0})

    grid = [[0] * HOURS for _ in range(WEEKDAYS)]
    for day, hour, messages in hourly:
        grid[day.weekday()][hour] += messages

    names = {m.user_id: m.name for m in members}
    cases = read.cases
    instant_before_end = until - timedelta(microseconds=1)
    present_rows = [m for m in members if m.present_at(instant_before_end)]
    present = {m.user_id for m in present_rows}
    return PeriodMetrics(
        **base,
        period_end=end,
        coverage=coverage,
        members_at_start=sum(m.present_at(since) for m in members),
        members_at_end=len(present),
        dau_mean=sum(dau) / len(dau),
        wau=posters(end - timedelta(days=6)),
        mau=posters(end - timedelta(days=29)),
        messages_per_day=tuple(per_day_messages[d] for d in days),
        dau_per_day=dau,
        active_members=sum(1 for n in per_user.values() if n > 0),
        joins=sum(len(m.joins_in(since, until)) for m in members),
        leaves=sum(len(m.leaves_in(since, until)) for m in members),
        newcomer_retention_7d=newcomer_retention(members, active_days, since, until, 7, tz),
        newcomer_retention_30d=newcomer_retention(members, active_days, since, until, 30, tz),
        peak_hours=tuple(tuple(row) for row in grid),
        top_contributors=tuple(
            Contributor(names.get(user, user), count, user)
            for user, count in sorted(
                # a forgotten member still counts in totals, never by name in a top list
                ((u, n) for u, n in per_user.items() if n > 0 and not is_anonymous(u)),
                key=lambda kv: (-kv[1], kv[0]),
            )[:top]
        ),
        silent_share=silent_shares(members, active_days, end, until, present_rows),
        moderation=moderation_stats(cases, since, until),
        faq_top=await faq_answers(store, ref, start, end, top),
        **await engagement_metrics(store, ref, start, end, since, until, present, tiers),
    )


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)
