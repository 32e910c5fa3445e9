"""What anti-spam stores about a member: their short windows (recent messages' times,
channels and text fingerprints; cooldowns in force)."""

from __future__ import annotations

from bot.privacy import MemberRows
from rules.antispam.models import SpamWindow

MEMBER_DATA = (MemberRows(SpamWindow, "delete", private=("community_id",), label="spam_windows"),)
