"""Finding which FAQ entry a message asks about (pure, built once per playbook version).

Keywords go through the anti-spam `KeywordMatcher` (Aho-Corasick; Chinese keywords match inside
a sentence, latin ones whole words only, width and case folded); patterns run on RE2."""

from __future__ import annotations

import re._constants as _sre
import re._parser as _parser
from dataclasses import dataclass
from typing import Any

from rules.antispam.keywords import KeywordMatcher
from rules.antispam.safe_regex import OperatorRegex, compile_operator_regex
from rules.faq.config import FaqConfig

_CACHE = "faq.matcher"
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FaqMatcher:
    keywords: KeywordMatcher | None
    owner: dict[str, str]  # keyword → entry id (the first entry that lists it)
    order: dict[str, int]  # entry id → position in the playbook
    # each pattern with the texts every match contains (case-folded; empty: none known)
    patterns: tuple[tuple[str, OperatorRegex, tuple[str, ...]], ...]

    @classmethod
    def build(cls, cfg: FaqConfig) -> FaqMatcher:
        owner: dict[str, str] = {}
        for entry in cfg.entries:
            for keyword in entry.keywords:
                owner.setdefault(keyword, entry.id)
        patterns = tuple(
            (e.id, compile_operator_regex(p), required_literals(p))
            for e in cfg.entries
            for p in e.patterns
        )
        return cls(
            KeywordMatcher(owner) if owner else None,
            owner,
            {e.id: i for i, e in enumerate(cfg.entries)},
            patterns,
        )

    def entry_for(self, text: str) -> str | None:
        """The matching entry listed first in the playbook, or None."""
        # (no set is made for the common message, which asks nothing)
        found: frozenset[str] | set[str] = _NONE
        keywords = self.keywords
        # `first` answers "none" without locating anything (the common message)
        if keywords is not None and keywords.first(text) is not None:
            found = {self.owner[m.keyword] for m in keywords.matches(text)}
        if self.patterns:
            folded = text.casefold()
            for entry_id, regex, needs in self.patterns:
                if entry_id in found:
                    continue
                # most messages lack a word the pattern needs: no regex run for them
                for need in needs:
                    if need not in folded:
                        break
                else:
                    if regex.search(text):
                        found = found | {entry_id}
        if not found:
            return None
        return min(found, key=self.order.__getitem__) if len(found) > 1 else next(iter(found))


def required_literals(pattern: str) -> tuple[str, ...]:
    """Runs of printable ASCII characters that every match of the (RE2, case-insensitive)
    pattern contains, case-folded, longest first; () when none is known. Read from the
    top-level sequence of the pattern as Python parses it: a pattern Python cannot parse, or
    anything but a plain character (a class, a repeat, a group, an anchor), ends a run.
    Sound under case-insensitive matching: every character RE2 matches to a printable ASCII
    one case-folds to that character's fold (tests/engagement/test_faq_prefilter.py)."""
    try:
        parsed = _parser.parse(pattern)
    except Exception:  # RE2 syntax Python does not know: no prefilter
        return ()
    runs: list[str] = []
    run: list[str] = []
    for op, value in parsed:
        if op is _sre.LITERAL and 0x20 <= value < 0x7F:
            run.append(chr(value))
            continue
        runs.append("".join(run))
        run = []
    runs.append("".join(run))
    return tuple(sorted({r.casefold() for r in runs if len(r) >= 2}, key=len, reverse=True))


def matcher_for(cfg: FaqConfig, memory: dict[str, Any]) -> FaqMatcher:
    """This process's matcher for the current playbook (rebuilt when the playbook changes)."""
    cached = memory.get(_CACHE)
    if cached is None or cached[0] is not cfg:
        cached = memory[_CACHE] = (cfg, FaqMatcher.build(cfg))
    return cached[1]
