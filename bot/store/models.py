"""Typed SQLAlchemy models of the core tables. The schema only changes through a migration in
`migrations/versions`; capability modules add their own tables in their own model modules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes and always returns them aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        # called for every datetime read (~226k in a 31-week report): no import per call
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


def community_fk() -> Mapped[int]:
    """The `community_id` column of a capability's table: its rows go with their community."""
    return mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    can_dm: Mapped[bool] = mapped_column(Boolean, default=True)
    # admin | moderator | bot | member, as last seen (None: never seen with a standing)
    standing: Mapped[str | None] = mapped_column(String(16))
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    join_count: Mapped[int] = mapped_column(Integer, default=0)
    first_message_at: Mapped[datetime | None]
    last_active_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(BigInteger, default=0)
    greeted_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]


class MembershipEvent(Base):
    """One row per join and per leave: reports count them in the period they happened, however
    often a member comes and goes."""

    __tablename__ = "membership_events"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "kind", "at"),
        Index("ix_membership_at", "community_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # join | leave
    at: Mapped[datetime]


class DmReachability(Base):
    """Whether the bot may write to a person privately — a fact of the platform, not of one
    community (Telegram: they started the bot; cleared when a DM is refused)."""

    __tablename__ = "dm_reachability"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reachable: Mapped[bool] = mapped_column(Boolean)
    why: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime]


class ActivityDaily(Base):
    """Messages per member per local day: the source of DAU/MAU, retention and top lists."""

    __tablename__ = "activity_daily"
    # by day across members (retention's probe and prune): the primary key has the member first
    __table_args__ = (Index("ix_activity_daily_day", "community_id", "day"),)

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    chars: Mapped[int] = mapped_column(BigInteger, default=0)
    links: Mapped[int] = mapped_column(Integer, default=0)


class ActivityHourly(Base):
    """Messages per community per local day and hour: peak hours and trends."""

    __tablename__ = "activity_hourly"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_community_at", "community_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    rule: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    # executed | skipped (adapter cannot) | failed | shadow (dry run / shadow mode)
    status: Mapped[str] = mapped_column(String(20))
    target_user: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")


class PendingStep(Base):
    """A scheduled step of a sequence (welcome follow-up, verification deadline, ...).

    `key` is unique so the same step is never scheduled twice; `status` moves
    pending → done | cancelled, and is committed before the step's action runs."""

    __tablename__ = "pending_steps"
    __table_args__ = (
        Index("ix_pending_due", "status", "due_at"),
        Index("ix_pending_member", "community_id", "user_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class CommunityState(Base):
    """Small per-community values that must survive restarts (raid mode, paused entries, ...)."""

    __tablename__ = "community_state"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
