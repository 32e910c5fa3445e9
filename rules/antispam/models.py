"""Tables of the anti-spam capability: each member's short windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class SpamWindow(Base):
    """One member's recent messages (when, where, the text's fingerprint) and the rule
    cooldowns in force for them: what flood, duplicates and cooldowns count after a restart.
    Written for the members that changed by the batched flush; deleted once nothing in it
    matters (`expires_at`, in event time)."""

    __tablename__ = "antispam_windows"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]
