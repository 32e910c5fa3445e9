"""The shipped classifier (seed samples only, no moderator feedback yet) catches SMS-style scams
the other rules miss and leaves texting-style chat alone, through the whole pipeline with the
shipped playbook; and its naive Bayes reads adjacent word pairs, not only words."""

from __future__ import annotations

import math

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
    # study and games chat (session 9 seed ham; deleted with the fourth round's seeds)
    "its so fun to learn and play new games",
    "my cousin works at NASA now and I'm so jealous",
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


# written for this test: chat-line scams in a friend's words (the moderators' /spam feedback),
# and a member's text in the same words without the premium number
FED_SCAMS = [
    "hey babe its me, r u free tonight? call me later on 09058091854 xx",
    "hi hun, miss u loads, wanna chat tonight? call me later 09064011000",
    "hey sexy, r u home tonight? text me back, im so lonely xx 09061743811",
    "hi its sarah, u free later? call me tonight on 09095350301 luv xx",
    "hey u, been thinking bout u all day, call me tonight 09066362231",
    "r u bored tonight? me too, call me later babe 09050000327 xx",
    "hiya, its jess again, call me tonight if ur home alone 09058094565",
    "hey hun r u free later? im home alone tonight, call me xx 09061790121",
    "missed u babe, call me later tonight, i wanna chat 09065171142",
    "hi u, its me again, free tonight? ring me later 09063458130 xx",
]
FRIENDS_TEXTS = ["r u home tonight? call me later xx", "hey babe miss u, call me later tonight xx"]


async def test_spam_feedback_does_not_make_a_friends_words_spam(shipped):
    """Ten /spam on chat-line scams teach the classifier their style, but words the seeds know
    from ham ("call me later", "tonight", "xx") stay no spammier than the seeds made them:
    without that cap both texts below are deleted."""
    for i, text in enumerate(FED_SCAMS):
        await shipped.command("mod", "spam", target_message_id=f"s{i}", target_user_id=f"x{i}",
                              target_message_text=text)  # fmt: skip
    shipped.clear()
    for n, text in enumerate(FRIENDS_TEXTS):
        handled = await shipped.say(f"friend{n}", text)
        assert not removed(shipped, f"friend{n}"), enforce_reason(handled)
    # what the feedback taught still works: the seeds alone miss this one
    scam = "hi hun its jess again, home alone n bored, call me later babe xx"
    assert not SpamClassifier.from_samples(load_seed_samples(), SHIPPED).classify(scam).is_spam
    handled = await shipped.say("spammer", scam)
    assert removed(shipped, "spammer"), [o.reason for o in handled.outcomes]
    assert "classifier" in enforce_reason(handled)


# written for this test: a prize notice that a word in capitals and an exclamation mark tip
# over the threshold, beside the same words written quietly
SHOUTED = [
    ("ur number came up in our DRAW!", "ur number came up in our draw"),
    ("ur mobile came up in our DRAW tonight!", "ur mobile came up in our draw tonight"),
]


@pytest.mark.parametrize(("shouted", "quiet"), SHOUTED)
def test_naive_bayes_reads_a_word_in_capitals_and_an_exclamation_mark(shouted, quiet):
    assert {"<caps>", "<bang>"} <= bayes_features(shouted)
    assert not {"<caps>", "<bang>"} & bayes_features(quiet)
    classifier = SpamClassifier.from_samples(load_seed_samples(), SHIPPED)
    loud = classifier.classify(shouted)
    assert loud.is_spam, loud.reasons
    assert classifier.classify(quiet).probability < loud.probability
    # an acronym in ordinary chat is not enough (the seed ham has acronyms too)
    assert not classifier.classify("the CEO of my company just quit lol!").is_spam


# written for this test: prize scams with prices, capitals and exclamation marks, as moderators
# would mark them with /spam
FED_PRIZES = [
    "WINNER! Ur mobile has won a £2,000 cash prize, call 09061701461 to claim now",
    "URGENT! Ur £500 shopping voucher is waiting, claim it on 09050002311 today",
    "FREE entry! Win £1000 cash or a holiday, txt WIN to 81010, £1.50 per msg",
    "CONGRATULATIONS! U have been awarded $350 in vouchers, call 09066612345",
    "Ur bonus of £250 is ready! Call 09058094599 now to collect, 150p/min",
    "FINAL NOTICE! Ur £800 prize is unclaimed, ring 09061221066 before midnight",
]


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


@pytest.mark.parametrize(
    ("marked", "plain"),
    [
        ("the concert tickets are £25 each, who's in", "the concert tickets are 25 each, who's in"),
        ("we had a great time at the BBQ", "we had a great time at the bbq"),
        ("see you all at the match tonight!", "see you all at the match tonight"),
    ],
)
def test_spam_feedback_does_not_make_a_price_or_capitals_spammier(marked, plain):
    """Most /spam samples have a price, a word in capitals or an exclamation mark, and so do
    members' messages: what they add to a message's odds stays what the seeds gave them."""
    seeds = load_seed_samples()
    before = SpamClassifier.from_samples(seeds, SHIPPED)
    after = SpamClassifier.from_samples(seeds, SHIPPED, [("spam", t) for t in FED_PRIZES])

    def lift(classifier: SpamClassifier) -> float:
        return _logit(classifier.classify(marked).probability) - _logit(
            classifier.classify(plain).probability
        )

    assert lift(before) > 0  # the seeds count it as a little spammy already
    assert lift(after) <= lift(before) + 1e-9
