"""Anti-spam: playbook rules (triggers → actions, enforce or shadow), text normalization,
keyword and safe-regex matching, a learned classifier, and join-rate raid detection."""

from __future__ import annotations

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability
from rules.antispam import rules as _rules
from rules.antispam.config import AntispamConfig, SpamRule
from rules.antispam.patches import load_state as _load_state
from rules.antispam.privacy import MEMBER_DATA
from rules.antispam.windows import MEMBER_PART

COMMANDS = (
    CommandSpec(
        "spam",
        "Mark a message as spam: learn it and act on its author",
        (),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec(
        "notspam",
        "Mark a message as not spam: the classifier learns from it",
        (),
        permission="moderator",
        on_message=True,
    ),
    CommandSpec(
        "raid",
        "Switch raid mode on or off",
        (OptionSpec("state", "choice", "on or off", choices=("on", "off")),),
        permission="moderator",
    ),
    CommandSpec(
        "automod",
        "Show which anti-spam rules would fire on a text, and why",
        (
            OptionSpec("action", "choice", "what to do", choices=("explain",)),
            OptionSpec("text", "text", "the message to try"),
        ),
        permission="moderator",
    ),
)

CAPABILITY = Capability(
    name="antispam",
    config=AntispamConfig,
    rules=(
        _rules.track,
        _rules.shadow_rules,
        _rules.enforce_rules,
        _rules.raid_on_join,
        _rules.raid_check,
        _rules.raid_command,
        _rules.learn,
        _rules.explain,
    ),
    commands=COMMANDS,
    priority=20,  # after welcome and moderation tracking, before points and engagement
    description="Anti-spam rules, learned classifier and raid detection",
    records_cases=True,
    load_state=_load_state,
    member_part=MEMBER_PART,
    member_data=MEMBER_DATA,
)

__all__ = ["CAPABILITY", "AntispamConfig", "SpamRule"]
