"""What check-ins keep about members, for /mydata and /forget (`bot.privacy`)."""

from __future__ import annotations

from bot.privacy import MemberRows
from rules.checkin.models import CheckIn, CheckInStreak

MEMBER_DATA = (
    # check-ins stay anonymised (daily participation in reports); the streak goes
    MemberRows(CheckIn, "anonymise", private=("id", "community_id"), label="checkins"),
    MemberRows(CheckInStreak, "delete", private=("community_id",), label="checkin_streak"),
)
