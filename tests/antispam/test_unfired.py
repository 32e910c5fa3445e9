"""When no rule of a mode fires, its pass says why in the words `_not_fired` gives; the
decisions made once (a protected author, no rule in the mode) say the same as the ones
made per message, whose words are read only when asked (`/automod explain`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import playbook_model
from bot.events import Actor, MessagePosted
from bot.playbook.loader import parse_playbook
from bot.rule import Decision
from rules.antispam.config import AntispamConfig
from rules.antispam.rules import Hit, MessageState, _not_fired, enforce_rules, shadow_rules

ROOT = Path(__file__).resolve().parents[2]
ONE_MODE = """
community: {name: Makers}
moderation: {}
antispam:
  rules:
    - name: repeats
      mode: %s
      triggers:
        duplicates: {count: 3, window: 1m}
      actions: {delete: true}
"""
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
EVENT = MessagePosted(
    platform="discord",
    community_id="c1",
    occurred_at=NOW,
    channel_id="general",
    message_id="m1",
    author=Actor(user_id="u1", name="Ann"),
    text="good morning",
)


def _antispam(text: str) -> AntispamConfig:
    return parse_playbook(text, playbook_model()).antispam


@pytest.mark.parametrize(
    "text",
    [
        (ROOT / "playbooks" / "default.yaml").read_text(encoding="utf-8"),
        ONE_MODE % "enforce",
        ONE_MODE % "shadow",
    ],
    ids=["default", "enforce-only", "shadow-only"],
)
def test_a_pass_that_does_not_fire_says_why_in_the_same_words(text: str) -> None:
    cfg = _antispam(text)
    modes = {r.mode for r in cfg.rules}
    worded = tuple(Hit(r, None, (f"{r.name} missed",)) for r in cfg.rules)
    for protected in (None, "bot", "admin", "moderator"):
        snap = MessageState(None, None, protected, cfg.plan.quiet, explained=lambda: worded)  # type: ignore[arg-type]
        for judge, mode in ((shadow_rules, "shadow"), (enforce_rules, "enforce")):
            decision = judge.fn(EVENT, cfg, snap, NOW)
            assert decision == Decision.skip(_not_fired(snap, mode)), (protected, mode)
            made_once = bool(protected) or mode not in modes
            assert (judge.fn(EVENT, cfg, snap, NOW) is decision) == made_once, (protected, mode)
    if modes == {"shadow", "enforce"}:  # the words of the rules' misses, per message
        snap = MessageState(None, None, None, cfg.plan.quiet, explained=lambda: worded)  # type: ignore[arg-type]
        assert "missed" in shadow_rules.fn(EVENT, cfg, snap, NOW).reason
        assert "missed" in enforce_rules.fn(EVENT, cfg, snap, NOW).reason
