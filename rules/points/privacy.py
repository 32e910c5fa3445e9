"""What points keep about members, for /mydata and /forget (`bot.privacy`)."""

from __future__ import annotations

from bot.privacy import MemberRows
from rules.points.models import (
    MemberTier,
    PointsBalance,
    PointsEntry,
    Redemption,
    TierChange,
)

_IDS = ("id", "community_id")

MEMBER_DATA = (
    # ledger rows stay anonymised: the points issued per week still add up in reports
    MemberRows(
        PointsEntry, "anonymise", scrub=("key", "reason"), private=(*_IDS, "key"), label="points"
    ),
    # their balance and tier go: they leave the leaderboard
    MemberRows(PointsBalance, "delete", private=("community_id",), label="points_balance"),
    MemberRows(MemberTier, "delete", private=("community_id",), label="tier"),
    MemberRows(TierChange, "anonymise", private=_IDS, label="tier_changes"),
    # redemptions stay anonymised: the shop's stock counts them
    MemberRows(
        Redemption, "anonymise", scrub=("key",), private=(*_IDS, "key"), label="redemptions"
    ),
)
