"""Keyword matching that spammers cannot dodge and members do not trip over by accident.

Keywords and messages go through the same `normalize`. A keyword with characters of a script
written without spaces (Chinese, Japanese, Thai...) matches anywhere, separators ignored:
``加微信`` hits ``请加 微.信联系我``. Any other keyword matches whole words only: ``ass`` never
hits ``class`` or ``assistance``, ``free money`` hits ``FREE   money!!`` and ``fr33 m0ney``.

All keywords live in three Aho-Corasick automata (one pass each over the text), so matching
costs the same with ten keywords or ten thousand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from rules.antispam.normalize import (
    Form,
    Normalized,
    contains_unspaced_script,
    normalize,
    normalized,
)


@dataclass(frozen=True, slots=True)
class Match:
    """One keyword found in a message; `start`/`end` index the original message text."""

    keyword: str  # as the operator wrote it
    start: int
    end: int
    text: str  # the part of the message that matched, as the member wrote it
    form: Form  # which normalized form matched ("skeleton" means leetspeak was undone)


def _automaton(entries: dict[str, str]) -> ahocorasick.Automaton | None:
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for key, keyword in entries.items():
        automaton.add_word(key, (key, keyword))
    automaton.make_automaton()
    return automaton


class KeywordMatcher:
    """Finds operator keywords in messages; immutable once built."""

    def __init__(self, keywords: Iterable[str]) -> None:
        anywhere: dict[str, str] = {}
        words: dict[str, str] = {}
        skeletons: dict[str, str] = {}
        for keyword in keywords:
            norm = normalize(keyword)
            if not norm.compact:
                raise ValueError(f"keyword {keyword!r} has no letters or digits to match")
            if contains_unspaced_script(keyword):
                anywhere.setdefault(norm.compact, keyword)
            else:
                words.setdefault(norm.spaced, keyword)
                skeletons.setdefault(norm.skeleton, keyword)
                if norm.spaced.count(" ") > 2:
                    # a phrase written letter by letter ("f.r.e.e c.r.y.p.t.o") is glued into
                    # one word by normalization: match the glued phrase as a whole word too
                    words.setdefault(f" {norm.compact} ", keyword)
        self.keyword_count = len(anywhere) + len(words)
        # what `first` looks for in the spaced form of ASCII text without leetspeak (there
        # it looks nowhere else), for a plan's one pass over many rules' words
        self.word_keys = frozenset(words)
        self._anywhere = _automaton(anywhere)
        self._words = _automaton(words)
        self._skeletons = _automaton(skeletons)

    def matches(self, text: str, norm: Normalized | None = None) -> list[Match]:
        """Every keyword occurrence in `text` (whose normalized forms the caller may have),
        in order of position."""
        norm = norm if norm is not None and norm.original == text else normalized(text)
        hits: list[tuple[Form, int, int, str]] = []
        # keys of `_anywhere` hold a character of an unspaced script: never in ASCII text
        if self._anywhere is not None and not norm.compact.isascii():
            for end, (key, keyword) in self._anywhere.iter(norm.compact):
                hits.append(("compact", end + 1 - len(key), end + 1, keyword))
        # word keys carry a space at both ends; the match is the part between them
        if self._words is not None:
            for end, (key, keyword) in self._words.iter(norm.spaced):
                hits.append(("spaced", end + 2 - len(key), end, keyword))
        if self._skeletons is not None and norm.has_leet:
            for end, (key, keyword) in self._skeletons.iter(norm.skeleton):
                hits.append(("skeleton", end + 2 - len(key), end, keyword))
        return _located(norm, hits) if hits else []

    def first(self, text: str, norm: Normalized | None = None) -> Match | None:
        """The earliest match, or None: what a rule needs to decide and explain itself."""
        norm = norm if norm is not None and norm.original == text else normalized(text)
        if norm.compact.isascii() and not norm.has_leet:
            # `matches` then looks in the spaced form only: nothing there, nothing at all
            words = self._words
            if words is None or next(words.iter(norm.spaced), None) is None:
                return None
        found = self.matches(text, norm)
        return found[0] if found else None


def _located(norm: Normalized, hits: list[tuple[Form, int, int, str]]) -> list[Match]:
    """Map hits back to the original text; a keyword found twice at one place counts once."""
    by_form: dict[Form, list[tuple[int, int, str]]] = {}
    for form, start, end, keyword in hits:
        by_form.setdefault(form, []).append((start, end, keyword))
    seen: set[tuple[str, int]] = set()
    located: list[Match] = []
    for form, form_hits in by_form.items():
        spans = norm.original_spans(form, [(start, end) for start, end, _ in form_hits])
        for (start, end), (_, _, keyword) in zip(spans, form_hits, strict=True):
            if (keyword, start) in seen:
                continue
            seen.add((keyword, start))
            located.append(Match(keyword, start, end, norm.original[start:end], form))
    located.sort(key=lambda m: (m.start, -m.end, m.keyword))
    return located


__all__ = ["KeywordMatcher", "Match"]
