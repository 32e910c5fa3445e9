"""Tables of the engagement capabilities: check-ins, points, tiers, shop, reactivation, FAQ.

Check-ins and ledger rows carry UNIQUE keys so a duplicated or replayed event changes nothing;
balances and streaks are caches of those rows, updated in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

_COMMUNITY = "communities.id"


def _community() -> Mapped[int]:
    return mapped_column(ForeignKey(_COMMUNITY, ondelete="CASCADE"))


class CheckIn(Base):
    """One row per member per LOCAL day: the unique key makes a check-in happen exactly once."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "day"),
        Index("ix_checkins_community_day", "community_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = _community()
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


class PointsEntry(Base):
    """The append-only points ledger. `key` names the source event ("msg:<message id>",
    "checkin:<user>:<day>", ...) and is unique per community, so nothing pays twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        Index("ix_points_ledger_member", "community_id", "user_id", "at"),
        Index("ix_points_ledger_ref", "community_id", "ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = _community()
    user_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    # message | reaction | checkin | milestone | newcomer_reply | comeback | grant | take |
    # redeem | revoke
    source: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)  # local day, for daily caps
    ref: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the message it is for
    reason: Mapped[str] = mapped_column(String(300), default="")


class PointsBalance(Base):
    """Per-member sums of the ledger: `xp` (levels; spending does not lower it) and `balance`
    (what the shop can take). Updated in the same transaction as each ledger row."""

    __tablename__ = "points_balances"

    community_id: Mapped[int] = mapped_column(
        ForeignKey(_COMMUNITY, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    xp: Mapped[int] = mapped_column(Integer, default=0)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class MemberTier(Base):
    __tablename__ = "member_tiers"

    community_id: Mapped[int] = mapped_column(
        ForeignKey(_COMMUNITY, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tier: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime]


class TierChange(Base):
    __tablename__ = "tier_changes"
    __table_args__ = (Index("ix_tier_changes_community_at", "community_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = _community()
    user_id: Mapped[str] = mapped_column(String(64))
    from_tier: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_tier: Mapped[str] = mapped_column(String(64))
    promoted: Mapped[bool]
    at: Mapped[datetime]


class ShopStock(Base):
    """Items sold so far; `sold < stock` is checked in the same UPDATE that increments it."""

    __tablename__ = "shop_stock"

    community_id: Mapped[int] = mapped_column(
        ForeignKey(_COMMUNITY, ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    sold: Mapped[int] = mapped_column(Integer, default=0)


class Redemption(Base):
    __tablename__ = "shop_redemptions"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = _community()
    user_id: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))
    cost: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class Nudge(Base):
    """One contact of a silent member by a campaign step; `returned_at` is their next post."""

    __tablename__ = "reactivation_nudges"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "step", "silent_since"),
        Index("ix_nudges_community_at", "community_id", "nudged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = _community()
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


class FaqCount(Base):
    """How often each FAQ entry matched (asked) and was answered, per local day."""

    __tablename__ = "faq_counts"

    community_id: Mapped[int] = mapped_column(
        ForeignKey(_COMMUNITY, ondelete="CASCADE"), primary_key=True
    )
    entry: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    asked: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
