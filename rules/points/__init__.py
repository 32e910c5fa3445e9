"""Points (积分): earned for messages, check-ins, reactions received and helping newcomers;
an append-only ledger so nothing pays twice; levels with role rewards; a tier pyramid
re-evaluated daily; /rank, /leaderboard, and a shop (/shop, /redeem)."""

from __future__ import annotations

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability, JobSpec
from rules.points import rules as _rules
from rules.points.common import daily_at
from rules.points.config import PointsConfig
from rules.points.ledger import (
    MEMBER_PART,
    Pay,
    RevokeMessagePoints,
    load_state,
    member_points,
    note_credits,
)
from rules.points.privacy import MEMBER_DATA
from rules.points.rules import TIERS_JOB, level_up_actions, points_config
from rules.points.texts import TEXTS


def _tiers_trigger(cfg: PointsConfig, tz):  # noqa: ANN001, ANN202 - JobSpec's factory shape
    return daily_at(cfg.tiers.at, tz) if cfg.tiers.enabled else None


COMMANDS = (
    CommandSpec(
        "rank",
        "Your level, progress, tier and place",
        (OptionSpec("user", "user", "whose rank (default: yours)", required=False),),
    ),
    CommandSpec(
        "leaderboard",
        "Who earned the most points",
        (
            OptionSpec(
                "period", "choice", "which period", required=False, choices=("week", "month", "all")
            ),
        ),
    ),
    CommandSpec(
        "points",
        "Give or take points (moderators)",
        (
            OptionSpec("action", "choice", "give or take", choices=("give", "take")),
            OptionSpec("user", "user", "the member"),
            # 1..grants.max_amount, answered by points.grant itself
            OptionSpec("amount", "integer", "how many points", checked_by_rule=True),
            OptionSpec("reason", "text", "why", required=False),
        ),
        permission="moderator",
    ),
    CommandSpec("shop", "What you can redeem with your points"),
    CommandSpec(
        "redeem",
        "Spend points on a reward from the shop",
        (OptionSpec("item", "text", "the item's id, as /shop lists it"),),
    ),
)

CAPABILITY = Capability(
    name="points",
    config=PointsConfig,
    rules=(
        _rules.on_message,
        _rules.on_reaction,
        _rules.on_deleted,
        _rules.on_grant,
        _rules.on_rank,
        _rules.on_leaderboard,
        _rules.on_shop,
        _rules.on_redeem,
        _rules.on_tiers,
    ),
    commands=COMMANDS,
    texts=TEXTS,
    member_data=MEMBER_DATA,
    jobs=(JobSpec(TIERS_JOB, _tiers_trigger),),
    priority=60,
    description="Points, levels, tiers and the points shop",
    load_state=load_state,
    member_part=MEMBER_PART,
)

__all__ = [
    "CAPABILITY",
    "Pay",
    "PointsConfig",
    "RevokeMessagePoints",
    "level_up_actions",
    "member_points",
    "note_credits",
    "points_config",
]
