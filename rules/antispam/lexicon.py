"""The scam and ad lexicon: phrases by category (finance, cash-out, exam cheating, paid
part-time work, gambling, invoices, adult, crypto pumps, fake giveaways, grey services), shipped in
Chinese and English (`rules/antispam/lexicon/{zh,en}.yaml`) and extended by the playbook.

Words are matched like keywords (Chinese anywhere, through separators and look-alikes; other
scripts as whole words, leetspeak undone) on a message normalized once by the caller: three
Aho-Corasick passes at most, whatever the number of words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import ahocorasick
import yaml

from rules.antispam.normalize import Normalized, contains_unspaced_script, normalize

LEXICON_DIR = Path(__file__).with_name("lexicon")
LANGUAGES = ("zh", "en")
Strength = Literal["strong", "weak"]


@cache
def builtin(language: str) -> dict[str, dict[Strength, tuple[str, ...]]]:
    """category -> {"strong": words, "weak": words} for one shipped language."""
    raw = yaml.safe_load((LEXICON_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    return {
        category: {
            "strong": tuple(entry.get("strong", ())),
            "weak": tuple(entry.get("weak", ())),
        }
        for category, entry in raw.items()
    }


def builtin_categories() -> tuple[str, ...]:
    names: dict[str, None] = {}
    for language in LANGUAGES:
        names.update(dict.fromkeys(builtin(language)))
    return tuple(names)


@dataclass(frozen=True, slots=True)
class LexiconHit:
    category: str
    strength: Strength
    word: str  # as listed


class Lexicon:
    """Finds listed words in a normalized message; immutable once built."""

    def __init__(self, entries: Iterable[tuple[str, Strength, str]]) -> None:
        anywhere: dict[str, list[LexiconHit]] = {}
        spaced: dict[str, list[LexiconHit]] = {}
        skeleton: dict[str, list[LexiconHit]] = {}
        for category, strength, word in entries:
            norm = normalize(word)
            if not norm.compact:
                raise ValueError(f"word {word!r} has no letters or digits to match")
            hit = LexiconHit(category, strength, word)
            if contains_unspaced_script(word):
                anywhere.setdefault(norm.compact, []).append(hit)
            else:
                spaced.setdefault(norm.spaced, []).append(hit)
                if norm.skeleton != norm.spaced:
                    skeleton.setdefault(norm.skeleton, []).append(hit)
                if norm.spaced.count(" ") > 2:  # "f r e e  e n t r y" is glued into one word
                    spaced.setdefault(f" {norm.compact} ", []).append(hit)
        self.size = sum(map(len, (anywhere, spaced)))
        self.spaced_keys = frozenset(spaced)  # what `find` looks for in the spaced form
        self.spaced_hits = {key: tuple(hits) for key, hits in spaced.items()}  # ... and finds
        self._anywhere = _automaton(anywhere)
        self._spaced = _automaton(spaced)
        self._skeleton = _automaton(skeleton)

    def find(self, norm: Normalized) -> list[LexiconHit]:
        """Every distinct listed word in the message."""
        found: dict[tuple[str, str], LexiconHit] = {}
        # the words that match anywhere hold a character of an unspaced script: never in ASCII
        compact = norm.compact
        passes = [(self._spaced, norm.spaced)]
        if not compact.isascii():
            passes.insert(0, (self._anywhere, compact))
        if norm.has_leet:
            passes.append((self._skeleton, norm.skeleton))
        for automaton, text in passes:
            if automaton is None:
                continue
            for _, hits in automaton.iter(text):
                for hit in hits:
                    found.setdefault((hit.category, hit.word), hit)
        return list(found.values())


def _automaton(entries: dict[str, list[LexiconHit]]) -> ahocorasick.Automaton | None:
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for key, hits in entries.items():
        automaton.add_word(key, tuple(hits))
    automaton.make_automaton()
    return automaton


__all__ = ["LANGUAGES", "Lexicon", "LexiconHit", "builtin", "builtin_categories"]
