"""The referrals section of the health report: new members by source, retention of invited
and organic members, the referral factor, top inviters (read-only queries)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.reports.model import Inviter, ReferralStats
from bot.store import CommunityRef, Store
from rules.referrals import store as q

RETENTION = timedelta(days=7)
SOURCES = ("member", "link", "unknown", "none")


async def referral_stats(
    store: Store,
    ref: CommunityRef,
    since: datetime,
    until: datetime,
    now: datetime,
    active_members: int | None,
    top: int = 5,
) -> ReferralStats | None:
    """None when no join was ever attributed (the capability is not in use here)."""
    joins = await q.joins_between(store, ref, since, until)
    if not joins:
        return None
    by_source = Counter({s: 0 for s in SOURCES})
    by_source.update(r.source for r in joins)
    campaigns = Counter(r.campaign for r in joins if r.campaign)
    # who left within the retention window of their join (from the joins and leaves history)
    history = await store.membership_history(ref, since, min(now, until + RETENTION))
    leaves: dict[str, list[datetime]] = {}
    for user, kind, at in history:
        if kind == "leave":
            leaves.setdefault(user, []).append(at)

    def retention(invited: bool) -> float | None:
        old_enough = [
            r for r in joins if (r.source == "member") == invited and r.joined_at + RETENTION <= now
        ]
        if not old_enough:
            return None
        stayed = sum(
            1
            for r in old_enough
            if not any(
                r.joined_at < at <= r.joined_at + RETENTION for at in leaves.get(r.user_id, ())
            )
        )
        return stayed / len(old_enough)

    brought: Counter[str] = Counter(r.inviter for r in joins if r.inviter and r.source == "member")
    stayed: Counter[str] = Counter(r.inviter for r in joins if r.inviter and r.status == "rewarded")
    ranked = sorted(brought.items(), key=lambda kv: (-stayed[kv[0]], -kv[1], kv[0]))[:top]
    # the names of the few ranked inviters only (every member's row took most of a report's
    # queries in a large community)
    names = {u: m.name for u, _ in ranked if (m := await store.member(ref, u)) is not None}
    factor = by_source["member"] / active_members if active_members else None
    return ReferralStats(
        joins_by_source=dict(by_source),
        joins_by_campaign=dict(campaigns),
        invited_retention=retention(True),
        organic_retention=retention(False),
        retention_days=RETENTION.days,
        referral_factor=factor,
        rewarded=await q.rewarded_between(store, ref, since, until),
        top_inviters=tuple(Inviter(names.get(u) or u, n, stayed[u]) for u, n in ranked),
    )
