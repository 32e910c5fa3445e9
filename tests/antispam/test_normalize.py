"""Normalization sees through the disguises spammers use, without gluing ordinary words."""

import time

import pytest

from rules.antispam.normalize import Normalized, normalize


@pytest.mark.parametrize(
    "disguised",
    ["加 微 信", "加.微.信", "加-微_信", "加\u200b微\u200d信", "加　微　信", "加\ufeff微 信"],
)
def test_chinese_with_separators_or_invisible_characters_reads_as_plain_chinese(disguised):
    assert normalize(disguised).compact == "加微信"


def test_full_width_letters_read_as_ascii():
    assert normalize("ＶＸ：ＡＢＣ１２３").spaced == " vx abc123 "


def test_cyrillic_and_greek_look_alikes_read_as_latin():
    assert normalize("pаypal").spaced == " paypal "  # Cyrillic а
    assert normalize("bοnus").spaced == " bonus "  # Greek ο
    assert normalize("РАУРАL").spaced == " paypal "  # all capitals Cyrillic but the L


def test_zalgo_marks_and_accents_are_removed():
    assert normalize("f̴̧r̶e̷é̸").spaced == " free "


def test_math_and_enclosed_letters_read_as_ascii():
    assert normalize("𝐟𝐫𝐞𝐞 🅵🆁🅴🅴 ⓕⓡⓔⓔ").spaced == " free free free "


@pytest.mark.parametrize("spelled", ["a.d.s", "a d s", "A-D-S", "a . d . s", "a_d_s"])
def test_single_letters_split_by_separators_are_glued(spelled):
    assert normalize(spelled).spaced == " ads "


def test_ordinary_words_are_never_glued():
    assert normalize("I am a cat, a good one").spaced == " i am a cat a good one "
    assert normalize("e-mail x.com").spaced == " e mail x com "


def test_case_and_repeated_separators_collapse_to_single_spaces():
    assert normalize("FREE   money!!\n\tnow").spaced == " free money now "


def test_skeleton_undoes_leetspeak_but_leaves_numbers_alone():
    norm = normalize("fr33 m0ney c@sh ca$h for 2024")
    assert norm.skeleton == " free money cash cash for 2024 "
    assert norm.spaced == " fr33 m0ney c sh ca h for 2024 "


def test_control_characters_are_separators():
    assert normalize("free\x00money\x07").spaced == " free money "


def test_original_span_points_at_what_the_member_wrote():
    norm = normalize("Hi ＦＲＥＥ  m\u200boney!")
    start = norm.spaced.index("free money")
    span = norm.original_span("spaced", start, start + len("free money"))
    assert norm.original[span[0] : span[1]] == "ＦＲＥＥ  m\u200boney"


def test_a_100k_character_message_is_normalized_quickly():
    message = ("加 微 信 a.b.c \u200b\x00 Ｆｒｅｅ " * 5000)[:100_000]
    started = time.perf_counter()
    norm = normalize(message)
    assert time.perf_counter() - started < 1.0
    assert "加微信abc" in norm.compact


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [("代開發票", "代开发票"), ("兼職刷單", "兼职刷单"), ("聯繫電話號碼", "联系电话号码")],
)
def test_traditional_chinese_reads_as_simplified(traditional, simplified):
    assert normalize(traditional).compact == simplified
    assert normalize(simplified).compact == simplified  # simplified text is left as it is


def test_traditional_fold_keeps_spans_on_what_the_member_wrote():
    text = "請 代.開 發票"
    norm = normalize(text)
    start = norm.compact.index("代开")
    assert norm.original_span("compact", start, start + 4) == (2, 8)
    assert text[2:8] == "代.開 發票"


def test_the_opencc_table_folds_uncommon_characters_too():
    # not only ad words: 臺灣 → 台湾, 麵 → 面
    assert normalize("臺灣牛肉麵").compact == "台湾牛肉面"
    assert normalize("代開發票兼職刷單請加微信").compact == "代开发票兼职刷单请加微信"


def test_normalize_builds_the_same_read_only_forms_as_the_constructor() -> None:
    """`normalize` fills its forms in at C speed (`_forms`): the same object as the public
    constructor's, as immutable."""
    for text in ["hi all, a b c", "FR33 m0ney!!", "加 微 信 abc123", "ｆｒｅｅ", "", " "]:
        norm = normalize(text)
        assert type(norm) is Normalized
        forms = (norm.original, norm.folded, norm.spaced, norm.compact)
        slow = Normalized(*forms, None, norm.has_leet)
        assert norm == slow and repr(norm) == repr(slow)
        with pytest.raises(AttributeError):
            norm.spaced = "x"  # type: ignore[misc]
