"""Tables of the reactivation capability: nudges of silent members and /quiet opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, community_fk

_COMMUNITY = "communities.id"


class Nudge(Base):
    """One contact of a silent member by a campaign step; `returned_at` is their next post."""

    __tablename__ = "reactivation_nudges"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "step", "silent_since"),
        Index("ix_nudges_community_at", "community_id", "nudged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = community_fk()
    user_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(16))  # direct | digest
    silent_since: Mapped[datetime]
    nudged_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]


class QuietMember(Base):
    """Members who opted out of reactivation nudges with /quiet."""

    __tablename__ = "reactivation_optouts"

    community_id: Mapped[int] = mapped_column(
        ForeignKey(_COMMUNITY, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]
