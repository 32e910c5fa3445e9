"""Tables of the web dashboard: one-time sign-in links and sessions (only their hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class WebToken(Base):
    """A dashboard credential: `kind` link (one-time, from /dashboard) or session (a browser's
    cookie). Only the SHA-256 of the secret is kept, so reading the database signs nobody in."""

    __tablename__ = "web_tokens"
    __table_args__ = (Index("ix_web_tokens_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # link | session
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | moderator
    who: Mapped[str] = mapped_column(String(200))  # shown in the audit log
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
