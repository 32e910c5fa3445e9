"""Finding which FAQ entry a message asks about (pure, built once per playbook version).

Keywords go through the anti-spam `KeywordMatcher` (Aho-Corasick; Chinese keywords match inside
a sentence, latin ones whole words only, width and case folded); patterns run on RE2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.antispam.keywords import KeywordMatcher
from rules.antispam.safe_regex import OperatorRegex, compile_operator_regex
from rules.faq.config import FaqConfig

_CACHE = "faq.matcher"


@dataclass(frozen=True, slots=True)
class FaqMatcher:
    keywords: KeywordMatcher | None
    owner: dict[str, str]  # keyword → entry id (the first entry that lists it)
    order: dict[str, int]  # entry id → position in the playbook
    patterns: tuple[tuple[str, OperatorRegex], ...]

    @classmethod
    def build(cls, cfg: FaqConfig) -> FaqMatcher:
        owner: dict[str, str] = {}
        for entry in cfg.entries:
            for keyword in entry.keywords:
                owner.setdefault(keyword, entry.id)
        patterns = tuple((e.id, compile_operator_regex(p)) for e in cfg.entries for p in e.patterns)
        return cls(
            KeywordMatcher(owner) if owner else None,
            owner,
            {e.id: i for i, e in enumerate(cfg.entries)},
            patterns,
        )

    def entry_for(self, text: str) -> str | None:
        """The matching entry listed first in the playbook, or None."""
        found: set[str] = set()
        if self.keywords is not None:
            found.update(self.owner[m.keyword] for m in self.keywords.matches(text))
        for entry_id, regex in self.patterns:
            if entry_id not in found and regex.search(text):
                found.add(entry_id)
        return min(found, key=self.order.__getitem__) if found else None


def matcher_for(cfg: FaqConfig, memory: dict[str, Any]) -> FaqMatcher:
    """This process's matcher for the current playbook (rebuilt when the playbook changes)."""
    cached = memory.get(_CACHE)
    if cached is None or cached[0] is not cfg:
        cached = memory[_CACHE] = (cfg, FaqMatcher.build(cfg))
    return cached[1]
