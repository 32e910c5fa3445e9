"""Plain chat lines skip the ad score (issue 10): in ASCII text without digits, "@" or "$" the
score cannot exceed a bound read from the evidence words alone (`Ads.plain_bound`), so a line
with a "me" or a "free" whose bound stays under the threshold is not scored. Held here to the
long way on every text we have: the SMS corpus, the Chinese ad sets, the seed samples and
real chat."""

from __future__ import annotations

import pytest

from rules.antispam import contact
from rules.antispam.adscore import Ads, ContactWeights, score
from rules.antispam.normalize import normalize
from rules.antispam.triggers import _NOT_PLAIN
from tests.antispam.test_fast_path import CONFIGS, SAMPLE

PLAIN = [text for text in SAMPLE if text.isascii() and not _NOT_PLAIN.search(text)]
ASKED = [(0, False), (0, True), (2, False), (4, True), (60, False), (100, True)]


def _configs() -> list[Ads]:
    shipped = next(r.triggers.ads for r in CONFIGS[0].rules if r.triggers.ads)
    heavy = ContactWeights(handle=0.9, reply_keyword=0.9, shouted_prize=0.7, private_chat=0.8)
    return [
        shipped,
        Ads(threshold=0.3, established_after=3, established_factor=0.2),
        Ads(threshold=0.5, first_messages=5, contact=heavy),
    ]


def test_no_plain_text_scores_above_its_bound() -> None:
    scored = 0
    for ads in _configs():
        for text in PLAIN:
            norm = normalize(text)
            found = ads.plain_evidence(norm)
            for before, forward in ASKED:
                total = score(ads, norm, messages_before=before, is_forward=forward).total
                bound = ads.plain_bound(found, before, forward)
                assert total <= bound + 1e-9, (text, before, forward, total, bound)
                scored += total > 0
    assert scored  # the plain texts hold evidence: the bound is not merely never tested


def test_plain_text_gives_only_the_plain_signals_and_each_needs_its_words() -> None:
    kinds = contact.plain_signals()
    for text in PLAIN:
        norm = normalize(text)
        for signal in contact.find_contacts(norm):
            assert signal.kind in kinds, (text, signal)
            assert any(word in norm.spaced for word in kinds[signal.kind]), (text, signal)


def test_most_plain_chat_lines_with_evidence_words_are_not_scored() -> None:
    ads = _configs()[0]
    with_words = [t for t in PLAIN if ads.plain_evidence(normalize(t))]
    skipped = sum(
        not ads.may_fire_plain(ads.plain_evidence(normalize(t)), 100, False) for t in with_words
    )
    assert skipped > 0.5 * len(with_words)


def test_contact_signals_of_chat_are_the_same_without_the_pre_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Numbers in chat are short: the patterns that need a long run of digits or one of their
    words are not searched without (test_prechecks.py does the same on the spam sets)."""
    norms = [normalize(t) for t in SAMPLE if not t.isascii() or _NOT_PLAIN.search(t)]
    fast = [contact.find_contacts(n) for n in norms]
    monkeypatch.setattr(contact, "_has_any", lambda text, needles: True)
    monkeypatch.setattr(contact, "_longest_digits", lambda compact: 99)
    assert [contact.find_contacts(n) for n in norms] == fast
    assert any(fast)
