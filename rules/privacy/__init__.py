"""Member data rights: /mydata (everything stored about you, as a JSON file), /forget (delete
or anonymise it, confirmed by a button; admins can forget a member), and a daily run that
prunes what is older than the playbook's retention periods. On unless a playbook turns it off."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability, JobSpec
from rules.points.common import daily_at
from rules.privacy import rules as _rules
from rules.privacy.config import PrivacyConfig, Retention
from rules.privacy.rules import PRUNE_JOB
from rules.privacy.texts import TEXTS


def _prune_trigger(cfg: PrivacyConfig, tz: tzinfo) -> Any:
    return daily_at(cfg.prune_at, tz)


COMMANDS = (
    CommandSpec("mydata", "Get everything this bot has stored about you, as a file"),
    CommandSpec(
        "forget",
        "Delete your data here (admins: a member's data)",
        (
            OptionSpec("user", "user", "admins: the member to forget", required=False),
            OptionSpec(
                "confirm", "choice", "confirm at once", required=False, choices=("confirm",)
            ),
        ),
    ),
)

CAPABILITY = Capability(
    name="privacy",
    config=PrivacyConfig,
    rules=(_rules.mydata, _rules.forget, _rules.forget_pressed, _rules.prune),
    commands=COMMANDS,
    texts=TEXTS,
    jobs=(JobSpec(PRUNE_JOB, _prune_trigger, reads_buffered=False),),
    priority=5,  # a forget button is nobody else's business
    description="Member data export and forget, retention periods",
    enabled_by_default=True,
)

__all__ = ["CAPABILITY", "PrivacyConfig", "Retention"]
