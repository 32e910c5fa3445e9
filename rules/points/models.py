"""Tables of the points capability: the append-only ledger (a UNIQUE key per source event, so
nothing pays twice), balances cached from it in the same transaction, tiers and the shop.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, community_fk

_COMMUNITY = "communities.id"


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
    community_id: Mapped[int] = community_fk()
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
    community_id: Mapped[int] = community_fk()
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
    community_id: Mapped[int] = community_fk()
    user_id: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))
    cost: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
