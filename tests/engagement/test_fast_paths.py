"""The shortcuts ordinary messages take (FAQ patterns skipped when a word they need is missing,
check-ins ruled out by the first character) decide exactly what the full comparison does."""

from __future__ import annotations

import dataclasses
import random

import pytest
import re2

from rules.checkin.config import CheckinConfig
from rules.checkin.rules import is_checkin_text, starts_with_keyword
from rules.faq.config import FaqConfig
from rules.faq.matcher import FaqMatcher, required_literals
from tests.harness import BotHarness

PLAYBOOK = """
community: {name: Readers}
faq:
  entries:
    - id: points
      patterns: ['how (do|can) i (earn|get) points']
      answer: "Post, react and check in."
"""

PATTERNS = [
    "how (do|can) i (earn|get) points",
    r"\bpoints?\b",
    r"cost(s)? of (the )?course",
    r"refund\.policy",
    "x{,3}yz",
    "ab|cd",
    r"^sign ?up",
    "价格是多少",
    "(?i)Hello World",
]

SAMPLE = [
    "how do I earn points?",
    "HOW CAN I GET POINTS",
    "How can i get \u212ae points",  # a Kelvin sign: RE2 matches it as k
    "how do i earn point",
    "the Cost of the Course",
    "costs of course",
    "refund.policy please",
    "refundxpolicy",
    "xyz",
    "yz",
    "abc",
    "sign up here",
    " sign up",
    "价格是多少？",
    "hello world",
    "HELLO WORLD",
    "hello\u017f world",  # a long s
    "",
    "points",
    "ſign up",
]


def _noise(rng: random.Random) -> str:
    alphabet = "abcdeghiknoprstuwyz .?!KſK价格是多少HOWPINTS"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


async def test_a_pattern_question_is_answered_whatever_its_case(tmp_path):
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    try:
        await bot.say("alice", "HOW CAN I GET POINTS here?")
        await bot.say("bob", "how can I earn some points")  # a word between: no match
        await bot.say("carol", "How do i earn points", channel="help")  # (a cooldown per channel)
        assert bot.texts("reply") == ["Post, react and check in."] * 2
    finally:
        await bot.close()


def test_every_match_contains_the_required_literals():
    rng = random.Random(7)
    texts = SAMPLE + [_noise(rng) for _ in range(3000)]
    options = re2.Options()
    options.case_sensitive = False
    for pattern in PATTERNS:
        compiled = re2.compile(pattern, options)
        needs = required_literals(pattern)
        for text in texts:
            if compiled.search(text) is not None:
                folded = text.casefold()
                assert all(n in folded for n in needs), (pattern, text, needs)


def test_faq_answers_the_same_with_and_without_the_prefilter():
    cfg = FaqConfig.model_validate(
        {
            "entries": [
                {"id": f"e{i}", "patterns": [p], "answer": "a"}
                for i, p in enumerate(PATTERNS)
                if p != "ab|cd"
            ]
            + [{"id": "kw", "keywords": ["refund", "价格"], "answer": "b"}]
        }
    )
    fast = FaqMatcher.build(cfg)
    assert any(needs for _, _, needs in fast.patterns)
    slow = dataclasses.replace(fast, patterns=tuple((e, r, ()) for e, r, _ in fast.patterns))
    rng = random.Random(11)
    for text in SAMPLE + [_noise(rng) for _ in range(3000)]:
        assert fast.entry_for(text) == slow.entry_for(text), text


@pytest.mark.parametrize("char", [chr(c) for c in range(0x20, 0x7F)])
def test_re2_matches_printable_ascii_only_to_what_folds_alike(char):
    """What makes the prefilter sound: a character RE2 matches case-insensitively to a
    printable ASCII one case-folds to the same text (K, the Kelvin sign and k all fold to k)."""
    options = re2.Options()
    options.case_sensitive = False
    compiled = re2.compile(re2.escape(char), options)
    for candidate in _CASED:
        if compiled.fullmatch(candidate):
            assert candidate.casefold() == char.casefold(), (char, candidate)


# every character that has another case (the only ones case-insensitive matching can pair)
_CASED = [
    chr(c)
    for c in range(0x20, 0x110000)
    if not 0xD800 <= c < 0xE000 and (chr(c).casefold() != chr(c) or chr(c).upper() != chr(c))
]


@pytest.mark.parametrize("match", ["start", "exact"])
@pytest.mark.parametrize(
    "keywords", [None, ["打卡", "签到", "checkin", "check in"], ["ßtart", "Ｃheck", "k"]]
)
def test_checkin_first_character_test_agrees_with_the_full_comparison(keywords, match):
    section = {"match": match} if keywords is None else {"match": match, "keywords": keywords}
    cfg = CheckinConfig.model_validate(section)
    rng = random.Random(3)
    alphabet = "打卡签到checkinCHECKINsSßtartＣheckKK #＃\u3000\t!day3"
    texts = [
        "打卡",
        " 打卡 day 3",
        "#打卡",
        "＃ checkin",
        "\u3000签到",
        "CheckIn!",
        "checking",
        "Check in please",
        "ssTART now",
        "SSTART",
        "\u212a",
        "",
        "   ",
        "#",
    ] + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for text in texts:
        assert is_checkin_text(text, cfg) == starts_with_keyword(text, cfg), text
