"""Tables of the FAQ capability: per-entry counts per local day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

_COMMUNITY = "communities.id"


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
