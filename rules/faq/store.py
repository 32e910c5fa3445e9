"""Queries of the FAQ capability: how often each entry was asked and answered per day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.store import CommunityRef, Store
from rules.faq.models import FaqCount


async def count_faq(
    store: Store, ref: CommunityRef, entry: str, day: date, *, answered: bool
) -> None:
    upsert = store.insert(FaqCount).values(
        community_id=ref.id, entry=entry, day=day, asked=1, answered=int(answered)
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[FaqCount.community_id, FaqCount.entry, FaqCount.day],
        set_={
            "asked": FaqCount.asked + 1,
            "answered": FaqCount.answered + upsert.excluded.answered,
        },
    )
    async with store.sessions.begin() as s:
        await s.execute(upsert)


async def faq_answer_counts(
    store: Store, ref: CommunityRef, start: date, end: date
) -> list[tuple[str, int, int]]:
    """(entry id, times asked, times answered) for start <= local day < end, most asked
    first."""
    asked = func.sum(FaqCount.asked)
    async with store.sessions() as s:
        rows = await s.execute(
            select(FaqCount.entry, asked, func.sum(FaqCount.answered))
            .where(FaqCount.community_id == ref.id, FaqCount.day >= start, FaqCount.day < end)
            .group_by(FaqCount.entry)
            .order_by(asked.desc(), FaqCount.entry)
        )
        return [(r[0], int(r[1]), int(r[2])) for r in rows]
