"""The keys of events already handled, per community: a redelivered event is recognised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class ProcessedEvent(Base):
    """One row per handled event that carried a platform key (Telegram update or chat/message
    id, Discord message or interaction id, a replay line's id or hash). Written in the same
    transaction as the event's buffered writes; pruned after the retention period."""

    __tablename__ = "processed_events"
    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        Index("ix_processed_at", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))  # digest of the event key
    at: Mapped[datetime]  # when the event happened (the retention clock)
