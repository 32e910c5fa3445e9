"""Operator regexes that cannot hang the bot.

Patterns from playbooks are compiled with RE2 (PyPI ``google-re2``), whose matching time is linear
in the length of the message whatever the pattern: ``(a+)+$`` is harmless here, while Python's
``re`` can spin for minutes on it. The price is that RE2 has no backreferences, lookarounds,
atomic groups or possessive quantifiers; `compile_operator_regex` says so in plain words, so the
playbook loader can show the message next to the offending line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import re2

MAX_PATTERN_LENGTH = 1000
# RE2 refuses (instead of slowing down on) patterns whose compiled program needs more memory.
MAX_PROGRAM_MEMORY = 8 << 20


_UNESCAPED = r"(?<!\\)"
# Constructs RE2 rejects, recognized in the pattern so the error says what to change.
_UNSUPPORTED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(_UNESCAPED + r"\(\?<?[=!]"),
        "lookahead/lookbehind groups like (?=...) or (?<!...)",
    ),
    (re.compile(r"\\[1-9]|\(\?P=\w+\)|\\k<"), "backreferences like \\1 or (?P=name)"),
    (re.compile(_UNESCAPED + r"\(\?>"), "atomic groups (?>...)"),
    (re.compile(_UNESCAPED + r"[+*?}]\+"), "possessive quantifiers like a++"),
    (re.compile(_UNESCAPED + r"\(\?(?:\(|R\)|\d)"), "conditionals and recursion"),
)


@dataclass(frozen=True, slots=True)
class OperatorRegex:
    """A compiled operator pattern; `search` returns the matched span or None."""

    pattern: str
    _compiled: Any

    def search(self, text: str) -> tuple[int, int] | None:
        found = self._compiled.search(text)
        return None if found is None else found.span()


def compile_operator_regex(pattern: str, *, ignore_case: bool = True) -> OperatorRegex:
    """Compile an operator's pattern for linear-time matching.

    Raises ValueError with a human-readable explanation when the pattern is invalid, uses a
    construct RE2 does not support, or would match every message (it matches empty text).
    """
    if not pattern:
        raise ValueError("the regex is empty; it would match every message")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(
            f"the regex is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}"
        )
    for construct, description in _UNSUPPORTED:
        if construct.search(pattern):
            raise ValueError(
                f"regex '{pattern}' uses {description}, which the safe regex engine (RE2) does "
                "not support (it only runs patterns it can match in linear time); "
                "rewrite it without them"
            )
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_MEMORY
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"regex '{pattern}' is not valid: {reason}") from None
    if compiled.search("") is not None:
        raise ValueError(
            f"regex '{pattern}' matches empty text, so it would match every message; "
            "make at least one character required (for example use + instead of *)"
        )
    return OperatorRegex(pattern, compiled)


__all__ = ["MAX_PATTERN_LENGTH", "OperatorRegex", "compile_operator_regex"]
