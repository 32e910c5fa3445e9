"""The daily tiers run reads tiers and active days as Core rows (`Sessions.read`): the same
values as the ORM session reads they replaced, over a populated database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from bot.store.models import ActivityDaily
from bot.store.store import Store
from rules.points import store as q
from rules.points.models import MemberTier

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = date(2026, 3, 2)


async def test_tier_reads_on_core_rows_equal_the_orm_reads(db_url):
    store = await Store.open(db_url)
    try:
        ref = await store.community("test", "c1")
        other = await store.community("test", "c2")
        rows = [
            {"community_id": c.id, "user_id": f"u{u}", "day": D + timedelta(days=d),
             "messages": (u + d) % 3, "chars": 1, "links": 0}
            for c in (ref, other) for u in range(6) for d in range(u, 14, 2)
        ]  # fmt: skip
        async with store.sessions.begin() as s:
            await s.execute(insert(ActivityDaily), rows)
        moves = [q.TierMove(f"u{u}", None, ("a", "b", "c")[u % 3], True) for u in range(5)]
        await q.apply_tier_moves(store, ref, moves, T)
        await q.apply_tier_moves(store, other, moves[:2], T)
        await q.apply_tier_moves(store, ref, [q.TierMove("u1", "b", "c", True)], T)

        start, end = D + timedelta(days=2), D + timedelta(days=9)
        async with store.sessions() as s:  # the ORM reads the tiers run made before
            tiers = dict(
                (await s.execute(select(MemberTier.user_id, MemberTier.tier).where(
                    MemberTier.community_id == ref.id))).all()
            )  # fmt: skip
            active = {
                u: int(n)
                for u, n in await s.execute(
                    select(ActivityDaily.user_id, func.count())
                    .where(
                        ActivityDaily.community_id == ref.id,
                        ActivityDaily.day >= start,
                        ActivityDaily.day < end,
                        ActivityDaily.messages > 0,
                    )
                    .group_by(ActivityDaily.user_id)
                )
            }
        assert len(tiers) == 5 and tiers["u1"] == "c"
        assert await q.member_tiers(store, ref) == tiers
        assert len(active) > 3 and len(set(active.values())) > 1
        assert await q.active_days(store, ref, start, end) == active
        assert await q.active_days(store, ref, end, end) == {}
    finally:
        await store.close()
