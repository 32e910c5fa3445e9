"""English SMS-style scams (premium-rate charges, "reply YES", the premium_sms category) and a
classifier that stays calm after spam-only /spam feedback, through the whole pipeline with the
shipped playbook; and the seed corpus is written, not copied from the evaluation corpora."""

from __future__ import annotations

import pytest

from rules.antispam.classifier import SpamClassifier, features, load_seed_samples
from tests.antispam.helpers import enforce_reason, removed

# each: a scam a newcomer posts, and the part of the reason that must name what caught it
SCAMS = {
    "premium charge": ("Chat to a lonely lady tonight, only 60p per min, 18+", "premium charge"),
    "reply keyword": ("Want to know who likes you? Reply YES and find out now", "reply keyword"),
    "premium_sms category": ("Your weekly tones are ready, a subscription service", "premium_sms"),
    "short code and charge": ("Text DOG to 80123 for a daily dog joke, 25p per msg", "short code"),
}


@pytest.mark.parametrize("kind", sorted(SCAMS))
async def test_a_newcomers_sms_scam_is_removed_and_explained(shipped, kind):
    text, why = SCAMS[kind]
    handled = await shipped.say("newbie", text)
    assert removed(shipped, "newbie"), [o.reason for o in handled.outcomes]
    assert why in enforce_reason(handled)


ORDINARY = [
    "Reply YES in the thread if you're coming to the barbecue on Sunday",
    "The climbing club costs £5 a week, first session is free",
    "u still coming tonight? call me when ur on the bus",
    "Just text me when you're outside and I'll come down",
]


@pytest.mark.parametrize("text", ORDINARY)
async def test_a_newcomers_ordinary_message_with_the_same_words_stays(shipped, text):
    await shipped.say("newbie", text)
    assert not removed(shipped, "newbie")


def _scam(i: int) -> str:
    prizes = ["cash prize", "holiday", "gift card", "new phone", "shopping voucher"]
    days = ["friday", "monday", "tonight", "the weekend", "tomorrow"]
    return (
        f"URGENT! u have won a {prizes[i % 5]} worth {100 + i * 7} pounds, ur claim code is K{i}, "
        f"call 0906{i:07d} now 2 claim, u will need to call b4 {days[i % 5]}, 1.50 per min"
    )


CASUAL = [
    "hey u free tonight? will call u when I get home, want to tell u about the new flat",
    "can u call me back when u have a minute, it's about the weekend",
    "what time will u be home tonight, need to know for dinner",
    "u won the bet lol, I'll buy u a drink on friday",
]


async def test_after_a_hundred_spam_feedbacks_casual_texts_are_still_not_spam(shipped):
    """Spam-only /spam feedback (no /notspam) must not make the classifier see texting-style
    chat as spam: its prior is even and the seed ham covers casual texting. With the earlier
    sample-ratio prior and seeds, the first of these was deleted (docs/antispam-quality.md)."""
    for i in range(100):
        await shipped.command("mod", "spam", target_message_id=f"s{i}", target_user_id=f"x{i}",
                              target_message_text=_scam(i))  # fmt: skip
    shipped.clear()
    for n, text in enumerate(CASUAL):
        handled = await shipped.say(f"newbie{n}", text)
        assert not removed(shipped, f"newbie{n}"), enforce_reason(handled)
    handled = await shipped.say("spammer", _scam(777).replace("URGENT!", "Hi,"))
    assert removed(shipped, "spammer")


def test_the_prior_is_even_whatever_the_number_of_samples_of_each_class():
    samples = [("ham", "see you at the library tomorrow")]
    few = SpamClassifier.from_samples([*samples, ("spam", "cheap watches buy now")])
    spam = [("spam", f"cheap watches {i}") for i in range(40)]
    many = SpamClassifier.from_samples([*samples, *spam])
    unknown = features("completely unrelated words here")  # no token either class has seen
    assert few.spam_probability(unknown) == many.spam_probability(unknown) == 0.5
    # what a known token says does not grow with the number of spam samples either
    assert many.spam_probability(features("see you")) < 0.5


def test_seed_samples_are_not_near_copies_of_any_evaluation_message():
    """Every seed line was written for the project: none is within cosine 0.5 of any message
    of the SMS corpus (training or held-out), of the whole UCI collection (so of the fresh SMS
    test set too) or of the Chinese evaluation set."""
    from benchmarks.spam_quality import load_full_collection, load_spam_corpus, load_zh_eval
    from rules.antispam.classifier import _SampleIndex

    index = _SampleIndex()
    rows = [t for _, t in load_spam_corpus()] + [t for _, t in load_full_collection()]
    rows += [r[3] for part in ("dev", "heldout") for r in load_zh_eval(part)]
    for text in rows:
        index.add(features(text))
    close = [t for _, t in load_seed_samples() if index.most_similar(features(t), at_least=0.5)]
    assert close == []
