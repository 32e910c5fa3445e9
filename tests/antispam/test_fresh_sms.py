"""The fresh SMS test set: rows of the whole UCI SMS Spam Collection that the subset every
earlier round tuned on and printed lacks. Nothing here runs a detector on those rows: their
figures are measured once, by `benchmarks.spam_quality --fresh` (docs/antispam-quality.md)."""

from __future__ import annotations

from collections import Counter

from benchmarks.spam_quality import (
    fresh_sms_rows,
    load_full_collection,
    load_spam_corpus,
    near_copies,
    sms_key,
    train_test_split,
)


def test_the_full_collection_is_the_uci_file_and_holds_the_subset():
    full = load_full_collection()
    assert len(full) == 5574
    assert Counter(label for label, _ in full) == {"ham": 4827, "spam": 747}
    keys = {sms_key(text) for _, text in full}
    missing = [text for _, text in load_spam_corpus() if sms_key(text) not in keys]
    # the subset cut this one short; the collection's text is longer (a near-copy, below)
    assert missing == ["Life is nothing wen v get everything "]


def test_fresh_rows_are_disjoint_from_the_training_and_the_held_out_split():
    fresh = fresh_sms_rows()
    training, held_out = train_test_split(load_spam_corpus())
    fresh_keys = [sms_key(text) for _, text in fresh]
    assert len(set(fresh_keys)) == len(fresh_keys)  # each text once
    for split in (training, held_out):
        assert not set(fresh_keys) & {sms_key(text) for _, text in split}
        assert not {text for _, text in fresh} & {text for _, text in split}
    # pinned: a weaker key (whitespace and case only) would let 133 re-quoted copies in
    assert len(fresh) == 623
    assert Counter(label for label, _ in fresh) == {"ham": 545, "spam": 78}


def test_the_key_sees_through_the_subsets_rewrites():
    # the collection's texts and how the subset wrote them
    assert sms_key("Fine if that\x92s the way u feel.") == sms_key("Fine if that's the way u feel.")
    assert sms_key('"Pete can you please ring meive"') == sms_key("Pete can you please ring meive")
    assert sms_key('text the password "MIX" to 85069') == sms_key(
        'text the password ""MIX"" to 85069'
    )
    assert sms_key("ok  LAR") == sms_key("Ok lar")
    assert sms_key("ok lar") != sms_key("ok later")


def test_near_copies_are_templates_with_other_numbers_and_texts_cut_short():
    old = [
        ("spam", "URGENT! Your mobile No 07808726822 won a £2,000 prize! Call 09066362231 now"),
        ("ham", "How have your darlings been? Need a coffee run tomo? Cant believe its Monday"),
    ]
    rows = [
        ("spam", "URGENT! Your mobile No 07711334455 won a £1,000 prize! Call 09061701939 now"),
        ("ham", "Need a coffee run tomo? Cant believe it"),
        ("ham", "Are you coming to the match on Saturday with your brother?"),
        ("ham", "see you"),  # short: held by an old text, but too short to count as its copy
    ]
    assert near_copies(rows, old) == {rows[0][1], rows[1][1]}
