"""Moderation: warnings with weight and expiry, an escalation ladder, numbered cases posted to
the moderator log, moderator commands and /report for members."""

from __future__ import annotations

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability
from rules.moderation import rules as _rules
from rules.moderation.config import LadderStep, ModerationConfig, WarningsConfig
from rules.moderation.external import record_case
from rules.moderation.patches import load_state
from rules.moderation.privacy import MEMBER_DATA
from rules.moderation.punish import Offense, Plan, Punishment, plan_punishment
from rules.moderation.texts import TEXTS

_USER = OptionSpec(
    "user", "user", "the member (or use the command on their message)", required=False
)
_REASON = OptionSpec("reason", "text", "why (shown in the case)", required=False)

COMMANDS = (
    CommandSpec(
        "warn",
        "Warn a member (warnings expire; enough of them escalate)",
        (_USER, _REASON, OptionSpec("weight", "integer", "warning points", False, maximum=100)),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec(
        "timeout",
        "Mute a member for a while",
        (_USER, OptionSpec("duration", "duration", "e.g. 10m, 2h, 1d", False), _REASON),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec("untimeout", "Lift a member's timeout", (_USER, _REASON), permission="moderator"),
    CommandSpec(
        "kick",
        "Remove a member (they can rejoin)",
        (_USER, _REASON),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec(
        "ban",
        "Ban a member, optionally deleting their recent messages",
        (
            _USER,
            _REASON,
            OptionSpec(
                "delete_messages",
                "duration",
                "delete their messages of the last e.g. 1h, 1d",
                False,
            ),
        ),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec("unban", "Lift a ban", (_USER, _REASON), permission="moderator"),
    CommandSpec("cases", "List the latest cases, or a member's", (_USER,), permission="moderator"),
    CommandSpec(
        "case",
        "Show (or reverse) one case",
        (
            OptionSpec("number", "integer", "the case number"),
            OptionSpec("action", "choice", "show or reverse", False, ("show", "reverse")),
        ),
        permission="moderator",
    ),
    CommandSpec(
        "purge",
        "Delete the last N messages in this channel (staff and bot messages are kept unless all)",
        (
            OptionSpec("count", "integer", "how many messages", maximum=1000),
            OptionSpec(
                "scope",
                "choice",
                "all: moderators', admins' and bots' messages too",
                False,
                ("all",),
            ),
        ),
        permission="moderator",
    ),
    CommandSpec(
        "report", "Report a message to the moderators", (), permission="member", on_message=True
    ),
)

CAPABILITY = Capability(
    name="moderation",
    config=ModerationConfig,
    rules=(
        _rules.track,
        _rules.punish,
        _rules.reverse,
        _rules.show_cases,
        _rules.purge,
        _rules.report,
        _rules.lift_timeouts,
    ),
    commands=COMMANDS,
    texts=TEXTS,
    member_data=MEMBER_DATA,
    priority=15,  # before anti-spam (20), so staff are known before messages are judged
    records_cases=True,
    case_hook=record_case,
    load_state=load_state,
    description="Warnings, escalation, cases and moderator commands",
)

__all__ = [
    "CAPABILITY",
    "LadderStep",
    "ModerationConfig",
    "Offense",
    "Plan",
    "Punishment",
    "WarningsConfig",
    "plan_punishment",
]
