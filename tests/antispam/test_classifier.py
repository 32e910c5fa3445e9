"""The classifier learns from moderators and meets the quality target on real data."""

from benchmarks.spam_quality import load_spam_corpus, run_quality, train_test_split
from rules.antispam.classifier import (
    SpamClassifier,
    count_emoji,
    count_links,
    count_mentions,
    features,
    load_seed_samples,
    mixed_script_words,
)

SEEDED = load_seed_samples()


def test_seed_samples_cover_both_labels_and_languages():
    labels = {label for label, _ in SEEDED}
    assert labels == {"spam", "ham"}
    assert any("微信" in text for label, text in SEEDED if label == "spam")


def test_chinese_is_tokenized_into_character_bigrams():
    assert set(features("加微信领取")) == {"加微", "微信", "信领", "领取"}


def test_one_learned_spam_catches_its_near_duplicate():
    classifier = SpamClassifier.from_samples(SEEDED)
    # a spam wave the seed samples know nothing about (the larger seed corpus of issue 13 already
    # catches crypto presales without any learning)
    spam = "Grand opening of the Lucky Panda noodle bar on Baker Street, show this for a discount"
    variant = "Grand opening of the Lucky Panda noodle bar on Baker Street!! show this for discount"
    assert not classifier.classify(variant).is_spam
    classifier.learn_spam(spam)
    verdict = classifier.classify(variant)
    assert verdict.is_spam
    assert verdict.similarity > 0.8
    assert "similar" in verdict.reasons and "known spam sample" in verdict.reasons


def test_chinese_spam_near_duplicate_is_caught_after_learning():
    classifier = SpamClassifier.from_samples(SEEDED)
    classifier.learn_spam("高薪招聘线上客服，每天两小时，工资日结，联系飞机号")
    assert classifier.classify("高薪招聘线上客服！每天两小时 工资日结 联系飞机").is_spam


def test_learning_a_ham_sample_fixes_a_false_positive():
    classifier = SpamClassifier.from_samples(SEEDED)
    message = "Free pizza tonight: claim your free slice at the meetup, first 100 people"
    classifier.learn_spam("Claim your free slice tonight at the meetup, first 100 get free money")
    assert classifier.classify(message).is_spam
    classifier.learn_ham(message)  # a moderator ran /notspam
    verdict = classifier.classify(message)
    assert not verdict.is_spam
    assert "not spam" in verdict.reasons


def test_rebuilding_from_the_same_samples_gives_the_same_verdicts():
    samples = [*SEEDED, ("spam", "cheap watches cheap watches buy now")]
    first, second = SpamClassifier.from_samples(samples), SpamClassifier.from_samples(samples)
    for text in ["buy cheap watches now", "see you at the meetup", "加微信领取"]:
        assert first.classify(text) == second.classify(text)


def test_verdict_reason_is_readable():
    classifier = SpamClassifier.from_samples(SEEDED)
    verdict = classifier.classify("兼职刷单日结，每天轻松赚三百，有意者加微信详聊")
    assert verdict.is_spam
    assert "naive Bayes" in verdict.reasons and "%" in verdict.reasons


def test_cheap_signals():
    assert count_emoji("win 💰💰🔥 now 🇺🇸") == 4
    assert count_links("see https://example.org/x and t.me/somechannel or shop.xyz") == 3
    assert count_mentions("ping @alice and @bob_99, mail me@example.com") == 2
    assert mixed_script_words("log in to pаypal today") == ["pаypal"]
    assert mixed_script_words("привет world") == []


def test_quality_on_held_out_sms_corpus():
    rows = load_spam_corpus()
    training, test = train_test_split(rows)
    assert not {text for _, text in training} & {text for _, text in test}
    report = run_quality(rows)
    assert report.test.precision >= 0.98
    # trained on the SMS training split (not the shipped classifier): 0.910 with word counts,
    # 0.894 with word presence and word pairs, the design chosen for the seeded classifier on
    # development data in the fourth round (docs/antispam-quality.md); this figure did not choose
    assert report.test.recall >= 0.89
