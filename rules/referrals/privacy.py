"""What referrals keep about members, for /mydata and /forget (`bot.privacy`)."""

from __future__ import annotations

from bot.privacy import MemberRows
from rules.referrals.models import Referral, ReferralLink

_IDS = ("id", "community_id")

MEMBER_DATA = (
    # their own invite links go: nobody can be attributed to them any more
    MemberRows(ReferralLink, "delete", private=_IDS, label="invite_links"),
    # joins stay anonymised, as newcomer and as inviter: reports keep counting by source, and
    # an inviter's other invitees keep their history
    MemberRows(
        Referral,
        "anonymise",
        also=("inviter",),
        scrub=("invite", "note"),
        private=_IDS,
        label="referrals",
    ),
)
