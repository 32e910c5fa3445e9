"""Queries of the referrals capability (the only SQL it runs): links, joins, their outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update

from bot.store import CommunityRef, Store
from rules.referrals.models import Referral, ReferralLink


@dataclass(slots=True)
class JoinRecord:
    """One join as the capability remembers it (a `referrals` row)."""

    user_id: str
    joined_at: datetime
    source: str  # member | link | unknown | none
    invite: str | None
    inviter: str | None
    campaign: str | None
    status: str  # pending | rewarded | left | punished | inactive | capped | ineligible | revoked
    note: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LinkRecord:
    user_id: str
    link: str
    created_at: datetime
    replaced_at: datetime | None


def _record(row: Referral) -> JoinRecord:
    return JoinRecord(
        row.user_id, row.joined_at, row.source, row.invite, row.inviter, row.campaign,
        row.status, row.note, row.decided_at,
    )  # fmt: skip


async def load(store: Store, ref: CommunityRef) -> tuple[list[LinkRecord], list[JoinRecord]]:
    """Every link and every join of a community, oldest first."""
    async with store.sessions() as s:
        links = (
            await s.execute(
                select(ReferralLink)
                .where(ReferralLink.community_id == ref.id)
                .order_by(ReferralLink.id)
            )
        ).scalars()
        found = [LinkRecord(r.user_id, r.link, r.created_at, r.replaced_at) for r in links]
        joins = (
            await s.execute(
                select(Referral).where(Referral.community_id == ref.id).order_by(Referral.id)
            )
        ).scalars()
        return found, [_record(r) for r in joins]


async def add_link(store: Store, ref: CommunityRef, user_id: str, link: str, at: datetime) -> bool:
    """The member's new link; earlier ones are marked replaced (they still attribute joins).
    False when the platform gave a link already stored."""
    stmt = (
        store.insert(ReferralLink)
        .values(community_id=ref.id, user_id=user_id, link=link, created_at=at)
        .on_conflict_do_nothing()
    )
    async with store.sessions.begin() as s:
        await s.execute(
            update(ReferralLink)
            .where(
                ReferralLink.community_id == ref.id,
                ReferralLink.user_id == user_id,
                ReferralLink.replaced_at.is_(None),
                ReferralLink.link != link,
            )
            .values(replaced_at=at)
        )
        result = await s.execute(stmt)
    return bool(result.rowcount)


async def record_join(store: Store, ref: CommunityRef, rec: JoinRecord) -> bool:
    """One row per join; the same join seen again writes nothing (False). One statement, built
    once (values as parameters)."""
    stmt = store.insert_new("referrals.join", Referral)
    row = {
        "community_id": ref.id,
        "user_id": rec.user_id,
        "joined_at": rec.joined_at,
        "source": rec.source,
        "invite": rec.invite[:300] if rec.invite else None,
        "inviter": rec.inviter,
        "campaign": rec.campaign,
        "status": rec.status,
        "note": rec.note[:200],
        "decided_at": rec.decided_at,
    }
    return bool(
        await store.sessions.run(lambda conn: conn.execute(stmt, row).rowcount, single=True)
    )


@dataclass(frozen=True, slots=True)
class StatusChange:
    user_id: str
    joined_at: datetime
    status: str
    note: str
    expect: str  # the status it must still have: two deciders never both win


async def set_statuses(
    store: Store, ref: CommunityRef, changes: Sequence[StatusChange], at: datetime
) -> list[StatusChange]:
    """Move joins on; returns the changes that applied (the others were decided already)."""
    done: list[StatusChange] = []
    async with store.sessions.begin() as s:
        for c in changes:
            result = await s.execute(
                update(Referral)
                .where(
                    Referral.community_id == ref.id,
                    Referral.user_id == c.user_id,
                    Referral.joined_at == c.joined_at,
                    Referral.status == c.expect,
                )
                .values(status=c.status, note=c.note[:200], decided_at=at)
            )
            if result.rowcount:
                done.append(c)
    return done


async def joins_between(
    store: Store, ref: CommunityRef, since: datetime, until: datetime
) -> list[JoinRecord]:
    """Joins with since <= joined_at < until, oldest first (reports)."""
    async with store.sessions() as s:
        rows = (
            await s.execute(
                select(Referral)
                .where(
                    Referral.community_id == ref.id,
                    Referral.joined_at >= since,
                    Referral.joined_at < until,
                )
                .order_by(Referral.joined_at, Referral.id)
            )
        ).scalars()
        return [_record(r) for r in rows]


async def rewarded_between(
    store: Store, ref: CommunityRef, since: datetime, until: datetime
) -> int:
    """Invitees whose inviter was rewarded with since <= decided_at < until."""
    async with store.sessions() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(Referral)
                .where(
                    Referral.community_id == ref.id,
                    Referral.status == "rewarded",
                    Referral.decided_at >= since,
                    Referral.decided_at < until,
                )
            )
            or 0
        )


async def member_joins(
    store: Store, ref: CommunityRef, user_id: str
) -> tuple[list[JoinRecord], list[JoinRecord]]:
    """How one member came (their joins, oldest first) and whom they brought (joins attributed
    to them as inviter, oldest first): the dashboard's member page."""
    async with store.sessions() as s:
        rows = (
            await s.execute(
                select(Referral)
                .where(
                    Referral.community_id == ref.id,
                    (Referral.user_id == user_id) | (Referral.inviter == user_id),
                )
                .order_by(Referral.joined_at, Referral.id)
            )
        ).scalars()
        found = [_record(r) for r in rows]
    return [r for r in found if r.user_id == user_id], [r for r in found if r.inviter == user_id]


@dataclass(frozen=True, slots=True)
class InviteCount:
    invited: int  # joins attributed to them
    stayed: int  # of those, invitees who stayed and earned the reward


async def invite_counts(
    store: Store, ref: CommunityRef, user_ids: Sequence[str]
) -> dict[str, InviteCount]:
    """Per inviter among `user_ids`: how many they brought and how many stayed (the members
    table of the dashboard). Members who invited nobody are absent."""
    if not user_ids:
        return {}
    stayed = func.sum(case((Referral.status == "rewarded", 1), else_=0))
    async with store.sessions() as s:
        rows = await s.execute(
            select(Referral.inviter, func.count(), stayed)
            .where(Referral.community_id == ref.id, Referral.inviter.in_(list(user_ids)))
            .group_by(Referral.inviter)
        )
        return {inviter: InviteCount(int(n), int(k or 0)) for inviter, n, k in rows}
