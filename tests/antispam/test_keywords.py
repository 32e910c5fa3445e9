"""Keywords: Chinese anywhere in a sentence, English on whole words only."""

import re
import time

import pytest

from rules.antispam.keywords import KeywordMatcher
from rules.antispam.safe_regex import compile_operator_regex

MATCHER = KeywordMatcher(["加微信", "兼职", "ass", "free money", "vx", "paypal", "win", "a.d.s"])


def keywords_in(text: str) -> list[str]:
    return [match.keyword for match in MATCHER.matches(text)]


@pytest.mark.parametrize(
    "message",
    ["请加微信联系我", "请 加 微 信 联系我", "加.微.信", "加\u200b微信", "请加微\n信"],
)
def test_chinese_keyword_hits_anywhere_in_a_sentence(message):
    assert keywords_in(message) == ["加微信"]


def test_chinese_keyword_reports_what_the_member_wrote():
    [match] = MATCHER.matches("你好，请加 微.信 好吗")
    assert (match.start, match.end, match.text) == (4, 9, "加 微.信")


@pytest.mark.parametrize(
    "innocent", ["Thanks for your assistance", "See you in class", "Scunthorpe United won", "glass"]
)
def test_english_keyword_never_hits_inside_a_longer_word(innocent):
    assert keywords_in(innocent) == []


@pytest.mark.parametrize(
    "message",
    [
        "FREE   money!!",
        "free\nmoney",
        "Ｆｒｅｅ ｍｏｎｅｙ",
        "fr33 m0ney",
        "f r e e money",
        "f.r.e.e m.o.n.e.y",  # every letter separated: glued into one word
        "get f r e e  m o n e y now",
    ],
)
def test_english_phrase_hits_through_case_spacing_and_leetspeak(message):
    assert keywords_in(message) == ["free money"]


def test_english_keyword_next_to_chinese_is_a_whole_word():
    assert keywords_in("加vx好友") == ["vx"]
    assert keywords_in("请加 V X") == ["vx"]


def test_look_alike_letters_do_not_dodge_a_keyword():
    [match] = MATCHER.matches("Log in to pаypal now")  # Cyrillic а
    assert (match.keyword, match.text) == ("paypal", "pаypal")


def test_keyword_written_with_separators_matches_the_plain_word():
    assert keywords_in("cheap ads here") == ["a.d.s"]


def test_several_keywords_are_reported_in_order():
    assert keywords_in("free money! 兼职日结 加微信") == ["free money", "兼职", "加微信"]


def test_a_keyword_without_letters_is_refused():
    with pytest.raises(ValueError, match="no letters"):
        KeywordMatcher(["!!!"])


def test_thousands_of_keywords_stay_fast():
    keywords = [f"spamword{i}" for i in range(5000)] + [f"广告词{i}" for i in range(5000)]
    matcher = KeywordMatcher(keywords)
    messages = [f"hello there, message number {i}, nothing to see" for i in range(5000)]
    started = time.perf_counter()
    assert not any(matcher.matches(text) for text in messages)
    assert time.perf_counter() - started < 1.0
    assert matcher.matches("buy SPAMWORD42 now")[0].keyword == "spamword42"


# --- operator regexes -----------------------------------------------------------------------


def test_catastrophic_regex_cannot_hang_the_bot():
    regex = compile_operator_regex(r"(a+)+$")
    started = time.perf_counter()
    assert regex.search("a" * 100_000 + "!") is None
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("pattern", "explanation"),
    [
        (r"(\w+)\s+\1", "backreferences"),
        (r"(?P<w>\w+) (?P=w)", "backreferences"),
        (r"(?=.*free)money", "lookahead/lookbehind"),
        (r"(?<!not )free", "lookahead/lookbehind"),
        (r"(?>a+)b", "atomic groups"),
        (r"(free|money", "not valid: missing )"),
        (r"x*", "matches empty text"),
    ],
)
def test_unsupported_or_broken_regex_is_refused_with_a_reason(pattern, explanation):
    with pytest.raises(ValueError, match=re.escape(explanation)):
        compile_operator_regex(pattern)


def test_operator_regex_is_case_insensitive_by_default():
    regex = compile_operator_regex(r"free\s+money|加.?微.?信")
    assert regex.search("get FREE   Money") == (4, 16)
    assert regex.search("请加-微-信") == (1, 6)
    assert compile_operator_regex("Free", ignore_case=False).search("free") is None


def test_a_phrase_glued_together_still_needs_whole_words():
    assert keywords_in("freemoney today") == ["free money"]
    assert keywords_in("carefree moneybags") == []


@pytest.mark.parametrize("message", ["代開發票，量大從優", "專業代 開 發 票", "代开发票"])
def test_a_simplified_keyword_catches_traditional_text(message):
    assert [m.keyword for m in KeywordMatcher(["代开发票"]).matches(message)] == ["代开发票"]


def test_a_traditional_keyword_catches_simplified_text():
    matcher = KeywordMatcher(["兼職刷單"])
    assert [m.keyword for m in matcher.matches("招聘兼职刷单，日结")] == ["兼職刷單"]
    assert [m.text for m in matcher.matches("招聘兼職刷單")] == ["兼職刷單"]
