"""Tables of the check-in capability: one row per member per LOCAL day (its UNIQUE key makes a
check-in happen exactly once) and each member's streak, a cache of those rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, community_fk

_COMMUNITY = "communities.id"


class CheckIn(Base):
    """One row per member per LOCAL day: the unique key makes a check-in happen exactly once."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "day"),
        Index("ix_checkins_community_day", "community_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = community_fk()
    user_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    streak: Mapped[int] = mapped_column(Integer)
    freeze_used: Mapped[int] = mapped_column(Integer, default=0)


class CheckInStreak(Base):
    """A member's current streak, best streak and freeze tokens (a cache of `checkins`)."""

    __tablename__ = "checkin_streaks"

    community_id: Mapped[int] = mapped_column(
        ForeignKey(_COMMUNITY, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    best: Mapped[int] = mapped_column(Integer, default=0)
    last_day: Mapped[date] = mapped_column(Date)
    freezes: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    reminded_day: Mapped[date | None] = mapped_column(Date, nullable=True)
