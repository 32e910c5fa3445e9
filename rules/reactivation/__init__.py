"""Silent-member reactivation (沉默用户定向激活): a daily sweep nudges members who went quiet,
a comeback bonus rewards those who return, and every nudge is measured."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability, JobSpec
from rules.points.common import daily_at
from rules.reactivation import rules as _rules
from rules.reactivation.config import ReactivationConfig
from rules.reactivation.privacy import MEMBER_DATA
from rules.reactivation.rules import MEMBER_PART, SWEEP_JOB, load_state
from rules.reactivation.texts import TEXTS


def _sweep_trigger(cfg: ReactivationConfig, tz: tzinfo) -> Any:
    return daily_at(cfg.at, tz)


CAPABILITY = Capability(
    name="reactivation",
    load_state=load_state,
    member_part=MEMBER_PART,
    config=ReactivationConfig,
    rules=(_rules.on_sweep, _rules.on_return, _rules.on_quiet, _rules.on_silent),
    commands=(
        CommandSpec(
            "quiet",
            "Stop (or, with off, allow again) nudges when you are quiet",
            (
                OptionSpec(
                    "mode",
                    "choice",
                    "on: no nudges; off: nudges again",
                    required=False,
                    choices=("on", "off"),
                ),
            ),
        ),
        CommandSpec(
            "silent", "List silent members by how long they have been quiet", permission="moderator"
        ),
    ),
    texts=TEXTS,
    member_data=MEMBER_DATA,
    jobs=(JobSpec(SWEEP_JOB, _sweep_trigger, reads_buffered=False),),
    priority=40,  # before check-ins, which stop the event: a returning check-in counts
    description="Silent-member reactivation campaigns",
)

__all__ = ["CAPABILITY", "ReactivationConfig"]
