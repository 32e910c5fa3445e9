"""Each member's recently paid message fingerprints, read back from the ledger after a restart:
a message that repeats one of them earns nothing, before and after a crash alike."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.store import CommunityRef, Store
from rules.points.models import PointsEntry

PREFIX = "fp:"  # a paid chat message's ledger `reason`: its fingerprint (no text is kept)
KEPT = 50  # the largest `duplicate_memory` a playbook may set


def reason_for(fingerprint: str) -> str:
    return PREFIX + fingerprint


async def recent_fingerprints(
    store: Store, ref: CommunityRef, user_id: str | None = None
) -> dict[str, list[str]]:
    """user → fingerprints of their last paid messages, oldest first (one query; with
    `user_id`, that member's only)."""
    newest = (
        func.row_number()
        .over(partition_by=PointsEntry.user_id, order_by=PointsEntry.id.desc())
        .label("n")
    )
    ranked = (
        select(PointsEntry.user_id, PointsEntry.reason, PointsEntry.id, newest)
        .where(
            PointsEntry.community_id == ref.id,
            PointsEntry.source == "message",
            PointsEntry.reason.startswith(PREFIX),
            *(() if user_id is None else (PointsEntry.user_id == user_id,)),
        )
        .subquery()
    )
    async with store.sessions() as s:
        rows = await s.execute(
            select(ranked.c.user_id, ranked.c.reason)
            .where(ranked.c.n <= KEPT)
            .order_by(ranked.c.user_id, ranked.c.id)
        )
        out: dict[str, list[str]] = {}
        for user, reason in rows:
            out.setdefault(user, []).append(reason[len(PREFIX) :])
    return out
