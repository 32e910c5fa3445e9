"""Tables of the moderation and anti-spam capabilities: numbered cases and learned samples."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class ModerationCase(Base):
    """One incident (a rule firing on one message, or one moderator command), numbered per
    community, with every action it took (`actions`: delete + warn + timeout, escalation
    included); `action` is the heaviest of them.

    Written before the actions run, settled after: each entry of `actions` is {"kind",
    "status": pending | done | failed | skipped, "detail"} — a punishment the platform refused
    stays recorded as failed, with its reason. Warnings carry `weight` and `expires_at`;
    timeouts and temporary bans carry `ends_at` (so their end survives restarts) and
    `lifted_at` once lifted."""

    __tablename__ = "moderation_cases"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        # a redelivered or re-run event never opens its cases twice
        UniqueConstraint("community_id", "event_key", name="uq_moderation_cases_event_key"),
        Index("ix_cases_member", "community_id", "user_id", "action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64))
    # warn | timeout | untimeout | kick | ban | unban | delete | spam
    action: Mapped[str] = mapped_column(String(20))
    # every action of the incident and how it went; None on cases older than this column
    actions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    actor_id: Mapped[str | None] = mapped_column(String(64))  # a moderator, or None
    rule: Mapped[str | None] = mapped_column(String(100))  # the automatic rule, or None
    reason: Mapped[str] = mapped_column(Text, default="")
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    ends_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    weight: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    evidence: Mapped[str | None] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    reversed_by: Mapped[str | None] = mapped_column(String(64))
    reversed_at: Mapped[datetime | None]
    # the key of the event that opened it, ":n" for its n-th case (None: no key, e.g. a sweep)
    event_key: Mapped[str | None] = mapped_column(String(40))


class SpamSample(Base):
    """A message a moderator labelled (/spam, /notspam, a reversed case): the classifier's
    learned samples, on top of the operator's seed files."""

    __tablename__ = "spam_samples"
    __table_args__ = (
        Index("ix_spam_samples_community", "community_id", "id"),
        Index("ix_spam_samples_author", "community_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))  # spam | ham
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(64))
    # who wrote the message (so /forget removes it); None for samples from before 0008
    author_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]
