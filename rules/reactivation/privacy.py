"""What reactivation keeps about members, for /mydata and /forget (`bot.privacy`)."""

from __future__ import annotations

from bot.privacy import MemberRows
from rules.reactivation.models import Nudge, QuietMember

MEMBER_DATA = (
    # nudges stay anonymised (how many silent members came back); the opt-out goes
    MemberRows(Nudge, "anonymise", private=("id", "community_id"), label="nudges"),
    MemberRows(QuietMember, "delete", private=("community_id",), label="quiet"),
)
