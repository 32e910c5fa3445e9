"""Queries of the check-in capability: one row per member per local day, and streaks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select, update

from bot.store import CommunityRef, Store
from bot.store.db import Taken
from rules.checkin.models import CheckIn, CheckInStreak
from rules.points.store import Credit, credit_in


@dataclass(frozen=True, slots=True)
class StreakInfo:
    streak: int
    best: int
    last_day: date
    freezes: int
    total: int
    reminded_day: date | None = None


def _streak_info(row: CheckInStreak) -> StreakInfo:
    return StreakInfo(row.streak, row.best, row.last_day, row.freezes, row.total, row.reminded_day)


async def streak_of(store: Store, ref: CommunityRef, user_id: str) -> StreakInfo | None:
    async with store.sessions() as s:
        row = await s.get(CheckInStreak, (ref.id, user_id))
    return _streak_info(row) if row else None


async def all_streaks(store: Store, ref: CommunityRef) -> dict[str, StreakInfo]:
    async with store.sessions() as s:
        rows = (
            await s.execute(select(CheckInStreak).where(CheckInStreak.community_id == ref.id))
        ).scalars()
        return {r.user_id: _streak_info(r) for r in rows}


async def checkins_on(store: Store, ref: CommunityRef, day: date) -> int:
    async with store.sessions() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(CheckIn)
                .where(CheckIn.community_id == ref.id, CheckIn.day == day)
            )
            or 0
        )


async def record_checkin(
    store: Store,
    ref: CommunityRef,
    user_id: str,
    at: datetime,
    state: StreakInfo,
    freeze_used: int,
    credits: Sequence[Credit],
) -> bool:
    """The check-in, the member's new streak state and its points, in one transaction.
    False (and nothing written) when the member already checked in that day."""
    day = state.last_day
    async with store.sessions.begin() as s:
        inserted = await s.execute(
            store.insert(CheckIn)
            .values(
                community_id=ref.id,
                user_id=user_id,
                day=day,
                at=at,
                streak=state.streak,
                freeze_used=freeze_used,
            )
            .on_conflict_do_nothing(
                index_elements=[CheckIn.community_id, CheckIn.user_id, CheckIn.day]
            )
        )
        if not inserted.rowcount:
            return False
        values = {
            "streak": state.streak,
            "best": state.best,
            "last_day": day,
            "freezes": state.freezes,
            "total": state.total,
        }
        upsert = store.insert(CheckInStreak).values(community_id=ref.id, user_id=user_id, **values)
        await s.execute(
            upsert.on_conflict_do_update(
                index_elements=[CheckInStreak.community_id, CheckInStreak.user_id], set_=values
            )
        )
        await credit_in(s, store, ref, credits, at)
    return True


async def mark_reminded(
    store: Store, ref: CommunityRef, user_ids: Iterable[str], day: date
) -> list[str]:
    """Claim `day`'s reminder of these members, all or none: returns the members someone else
    already reminded that day — then nothing is marked (a member without a streak is skipped)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    mine = CheckInStreak.community_id == ref.id
    try:
        async with store.sessions.begin() as s:
            # only rows not yet reminded change: of two concurrent claimers, one waits for the
            # other's row locks and then sees them reminded
            marked = set(
                await s.scalars(
                    update(CheckInStreak)
                    .where(
                        mine,
                        CheckInStreak.user_id.in_(ids),
                        or_(
                            CheckInStreak.reminded_day.is_(None), CheckInStreak.reminded_day != day
                        ),
                    )
                    .values(reminded_day=day)
                    .returning(CheckInStreak.user_id)
                )
            )
            rest = [u for u in ids if u not in marked]
            if rest:
                taken = await s.scalars(
                    select(CheckInStreak.user_id).where(
                        mine, CheckInStreak.user_id.in_(rest), CheckInStreak.reminded_day == day
                    )
                )
                if taken := sorted(taken):
                    raise Taken(taken)
    except Taken as exc:
        return exc.taken
    return []


@dataclass(frozen=True, slots=True)
class CheckinStats:
    """Check-in participation for start <= day < end (local days)."""

    checkins: int
    participants: int
    per_day: dict[date, int]
    longest_streaks: list[tuple[str, int]]  # (user, streak reached in the period), best first
    average_streak: float


async def checkin_stats(
    store: Store, ref: CommunityRef, start: date, end: date, top: int = 5
) -> CheckinStats:
    async with store.sessions() as s:
        rows = (
            await s.execute(
                select(CheckIn.user_id, CheckIn.day, CheckIn.streak).where(
                    CheckIn.community_id == ref.id, CheckIn.day >= start, CheckIn.day < end
                )
            )
        ).all()
    per_day: Counter[date] = Counter(r[1] for r in rows)
    reached: dict[str, int] = {}
    for user, _, streak in rows:
        reached[user] = max(reached.get(user, 0), streak)
    longest = sorted(reached.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    average = sum(reached.values()) / len(reached) if reached else 0.0
    return CheckinStats(len(rows), len(reached), dict(sorted(per_day.items())), longest, average)
