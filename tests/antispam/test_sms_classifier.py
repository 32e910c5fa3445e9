"""The shipped classifier (seed samples only, no moderator feedback yet) catches SMS-style scams
the other rules miss and leaves texting-style chat alone, through the whole pipeline with the
shipped playbook; and its naive Bayes reads adjacent word pairs, not only words."""

from __future__ import annotations

import pytest

from rules.antispam.classifier import (
    ClassifierSettings,
    SpamClassifier,
    bayes_features,
    load_seed_samples,
)
from tests.antispam.helpers import enforce_reason, removed

SHIPPED = ClassifierSettings(probability_threshold=0.9999996838)  # playbooks/default.yaml

# written for this test, not in the seed samples: scams worded like a text from a person or a
# prize notice, without a short code, a premium number, a price or a link for the other rules.
# The first is missed by naive Bayes without word pairs, and without the fourth round's seeds.
CLASSIFIER_ONLY = [
    "Hi its Becky, I'm lonely tonight and want 2 chat with someone new, txt me back babe",
    "Congrats! Ur mobile won our monthly draw, reply with ur name to collect ur reward",
    "Ur mobile number has been selected 4 our free reward scheme, reply with ur postcode",
]

# texting-style chat with the words such scams use: prize, won, free, call, txt, reply, mobile
CHAT = [
    "congrats on the new job!! we should celebrate, txt me when ur free this week",
    "I won the raffle at the school fair lol, a giant hamper, come round and help me eat it",
    "ur mum called, she wants u to ring her back about the tickets for saturday",
    "reply to the group chat pls, we need to know who's coming to the bbq",
    "my mobile died, call me on the landline if u need me tonight",
    "hi its Becky from the netball team, can u txt me the time for training tomorrow",
]


@pytest.mark.parametrize("text", CLASSIFIER_ONLY)
async def test_a_newcomers_chatty_scam_is_removed_by_the_seeded_classifier(shipped, text):
    handled = await shipped.say("newbie", text)
    assert removed(shipped, "newbie"), [o.reason for o in handled.outcomes]
    assert enforce_reason(handled).startswith("learned: classifier: naive Bayes")


@pytest.mark.parametrize("text", CHAT)
async def test_a_newcomers_texting_style_chat_stays(shipped, text):
    handled = await shipped.say("newbie", text)
    assert not removed(shipped, "newbie"), enforce_reason(handled)


def test_naive_bayes_reads_word_pairs():
    assert {"call now", "ur mobile", "txt me"} <= bayes_features("call now, ur mobile, txt me")
    # presence, not counts: saying a word five times is no stronger than saying it once
    classifier = SpamClassifier.from_samples(load_seed_samples(), SHIPPED)
    once, five = classifier.classify("free"), classifier.classify("free free free free free")
    assert once.probability == five.probability


def test_the_seeded_classifier_alone_catches_them_and_only_them():
    classifier = SpamClassifier.from_samples(load_seed_samples(), SHIPPED)
    assert all(classifier.classify(text).is_spam for text in CLASSIFIER_ONLY)
    assert not any(classifier.classify(text).is_spam for text in CHAT)
