"""FAQ (常见问题库): answers recognised questions from the playbook, at any hour, without
repeating itself in a channel, and counts which questions are asked most."""

from __future__ import annotations

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability
from rules.faq import rules as _rules
from rules.faq.config import FaqConfig
from rules.faq.matcher import FaqMatcher
from rules.faq.texts import TEXTS

CAPABILITY = Capability(
    name="faq",
    load_state=_rules.load_state,
    config=FaqConfig,
    rules=(_rules.on_question, _rules.on_top),
    commands=(
        CommandSpec(
            "faq",
            "The FAQ: questions I answer (moderators: /faq stats for the most asked)",
            (
                OptionSpec(
                    "what", "choice", "stats: the most asked", required=False, choices=("stats",)
                ),
            ),
        ),
    ),
    texts=TEXTS,
    priority=70,
    description="FAQ answers from the playbook",
)

__all__ = ["CAPABILITY", "FaqConfig", "FaqMatcher"]
