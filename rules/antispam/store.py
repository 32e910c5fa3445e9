"""Queries of the anti-spam capability: each member's short windows (`antispam_windows`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from bot.store import CommunityRef, Store
from rules.antispam.models import SpamWindow


async def windows(
    store: Store, ref: CommunityRef, user_id: str | None = None
) -> list[tuple[str, dict[str, Any], datetime]]:
    """(member, value, expires) of the community's stored windows (or of one member's)."""
    query = select(SpamWindow.user_id, SpamWindow.value, SpamWindow.expires_at).where(
        SpamWindow.community_id == ref.id
    )
    if user_id is not None:
        query = query.where(SpamWindow.user_id == user_id)
    async with store.sessions() as s:
        return [(r[0], r[1], r[2]) for r in await s.execute(query)]


def write_windows(
    conn: Any, store: Store, rows: Sequence[dict[str, Any]], gone: Sequence[dict[str, Any]]
) -> None:
    """Inside the flush's transaction: the changed members' windows (`rows`: community_id,
    user_id, value, expires_at) in one executemany, and the rows of members who hold
    nothing any more (`gone`: community_id, user_id) deleted in another."""
    if rows:
        upsert = store.upsert(
            "antispam.windows",
            SpamWindow,
            [SpamWindow.community_id, SpamWindow.user_id],
            lambda new: {"value": new.value, "expires_at": new.expires_at},
        )
        conn.execute(upsert, list(rows))
    if gone:
        drop = store.statement(
            "antispam.windows.delete",
            lambda: delete(SpamWindow).where(
                SpamWindow.community_id == bindparam("community_id"),
                SpamWindow.user_id == bindparam("user_id"),
            ),
        )
        conn.execute(drop, list(gone))
