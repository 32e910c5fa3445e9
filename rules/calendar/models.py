"""Calendar tables: one row per scheduled post (occurrence), written before it is posted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class CalendarOccurrence(Base):
    """`key` ('entry@2026-12-01T01:00:00Z') is unique per community: whoever inserts it first
    owns the post, so a restart or a second process never sends it again.

    status: claimed (recorded, being posted) → sent | failed; or skipped (late beyond grace,
    paused). `alerted_at` marks a failure the moderators were told about."""

    __tablename__ = "calendar_occurrences"
    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        Index("ix_calendar_entry_at", "community_id", "entry_id", "scheduled_at"),
        # the tick's `occurrences_since` (every entry's rows since a time)
        Index("ix_calendar_at", "community_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    entry_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(120))
    scheduled_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    pool_item: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
