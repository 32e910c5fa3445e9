"""Tables of the referrals capability: members' invite links, and one row per join with its
attribution and what it earned. The schema changes only through a migration
(migrations/versions/0009_referrals.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class ReferralLink(Base):
    """A member's personal invite link, created once by `/invite` (again with `/invite new`)."""

    __tablename__ = "referral_links"
    __table_args__ = (
        UniqueConstraint("community_id", "link"),
        Index("ix_referral_links_user", "community_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))  # the inviter
    link: Mapped[str] = mapped_column(String(300))  # as the platform gave it (URL or code)
    created_at: Mapped[datetime]
    replaced_at: Mapped[datetime | None]  # a newer link took its place (`/invite new`)


class Referral(Base):
    """One row per join: where the member came from and what the join earned.

    source: member (a member's link) | link (a link that is nobody's) | unknown (the platform
    could not tell) | none (no link: organic). status: pending → rewarded | left | punished |
    inactive | capped | ineligible; rewarded → revoked."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "joined_at"),
        Index("ix_referrals_inviter", "community_id", "inviter"),
        Index("ix_referrals_joined", "community_id", "joined_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))  # the newcomer
    joined_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))
    invite: Mapped[str | None] = mapped_column(String(300))
    inviter: Mapped[str | None] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None]
