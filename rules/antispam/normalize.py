"""Text normalization for spam matching.

Spammers dodge word filters with full-width letters (ｖｘ), look-alikes (Cyrillic "а" in
"pаypal"), zero-width characters, zalgo marks, and separators between letters (加 微 信, a.d.s).
`normalize` folds all of that away and returns three forms of the same text:

- ``spaced``: words separated by exactly one space, with a space at both ends, so a latin keyword
  matches on whole words by searching for `` keyword `` (``ass`` never hits ``class``);
- ``compact``: letters and digits only, no separators, for scripts written without spaces
  (``加微信`` hits ``请加 微-信联系我``);
- ``skeleton``: ``spaced`` with leetspeak undone (``fr33 m0ney`` -> ``free money``).

Traditional Chinese characters fold to simplified ones (``代開發票`` reads as ``代开发票``), so one
keyword or FAQ question written in either script matches text in both.

Only runs of *single* characters are glued together (``a d s`` -> ``ads``), so ordinary words
never merge (``a good deal`` stays three words). Everything is linear in the length of the text.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rules.antispam.traditional import traditional_to_simplified

Form = Literal["spaced", "compact", "skeleton"]

# Invisible characters deleted outright (zero-width, bidi controls, soft hyphen, BOM, fillers,
# variation selectors, tag characters). Every other format (Cf) character is deleted too.
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels (render as nothing)
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space/joiners, LRM/RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x2800, 0x2800),  # braille blank
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xE0000, 0xE007F),  # tag characters
    (0xE0100, 0xE01EF),  # variation selectors supplement
)

# Combining-mark blocks used for accents and zalgo; marks of scripts that need them (Indic vowel
# signs, Japanese dakuten) are left alone.
_ZALGO_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)

# Letters of other scripts that look like latin ones, after case folding. Where lower and upper
# case differ in shape, the upper-case look-alike wins (Greek "Η" looks like "H").
_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h",
    "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s",
    "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l",
    "ɡ": "g", "ı": "i", "ɑ": "a", "ʏ": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "n",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "y", "χ": "x", "ϲ": "c", "ϳ": "j",
}  # fmt: skip

# Code points outside the BMP that fold to something: math alphanumerics (𝐟𝐫𝐞𝐞), enclosed
# alphanumerics (🅵🆁🅴🅴), CJK compatibility ideographs.
_ASTRAL_RANGES: tuple[tuple[int, int], ...] = (
    (0x1D400, 0x1D7FF),
    (0x1F100, 0x1F1FF),
    (0x2F800, 0x2FA1F),
)

# Latin-ish letters and digits: any word character except "_" and the scripts written without
# spaces between words, whose characters are tokens on their own.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3005-\u3007\u3021-\u3029"  # CJK iteration marks and Hangzhou numerals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f\u31a0-\u31bf"  # Bopomofo
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B..G
)
_WORD_CHAR = rf"[^\W_{_UNSPACED}]"
_UNSPACED_CHAR = rf"[{_UNSPACED}]"
# Separators: anything that is not a letter, digit or character of an unspaced script.
_SEPARATOR = rf"(?:_|[^\w{_UNSPACED}])"

# One token: a run of single characters split by short separators (glued), a word, or one
# character of an unspaced script.
_TOKEN = re.compile(
    rf"(?P<glued>(?<!{_WORD_CHAR}){_WORD_CHAR}(?:{_SEPARATOR}{{1,3}}{_WORD_CHAR}(?!{_WORD_CHAR}))+)"
    rf"|(?P<word>{_WORD_CHAR}+)"
    rf"|(?P<unspaced>{_UNSPACED_CHAR})"
)
_NOT_WORD = re.compile(rf"{_SEPARATOR}+")
_UNSPACED_RE = re.compile(_UNSPACED_CHAR)

# Skeleton: symbols and digits read as letters. "i" and "1" both become "l" (as in Unicode's
# confusable skeletons), so "w1n" and "win" share a skeleton.
_LEET_DIGITS = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "i": "l"})
_I_TO_L = str.maketrans({"i": "l"})
_LETTER = rf"[^\W\d_{_UNSPACED}]"
_LEET_SYMBOL = re.compile(rf"(?<={_LETTER})[@$]|[@$](?={_LETTER})")
_LEET_TRIGGER = re.compile(r"[013457@$]")
_DIGIT = re.compile(r"[0-9]")


def _fold_char(ch: str) -> str:
    """How one character reads for matching: folded case, no accents, latin look-alikes,
    simplified Chinese."""
    code = ord(ch)
    if any(low <= code <= high for low, high in _INVISIBLE_RANGES):
        return ""
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    if category in ("Cc", "Zl", "Zp"):
        return " "
    folded = unicodedata.normalize("NFKC", ch).casefold()
    folded = _ZALGO_MARKS.sub("", unicodedata.normalize("NFD", folded))
    folded = unicodedata.normalize("NFC", folded)
    if 0x1F150 <= code <= 0x1F169 or 0x1F170 <= code <= 0x1F189:
        # negative circled/squared capitals have no compatibility decomposition
        folded = chr(ord("a") + (code - 0x1F150) % 0x20)
    to_simplified = traditional_to_simplified()
    return "".join(_LOOKALIKES.get(c) or to_simplified.get(c, c) for c in folded)


@functools.cache
def _fold_table() -> dict[int, str]:
    """Translation table for `str.translate`, built once (about 0.2 s) and never changed."""
    table: dict[int, str] = {}
    candidates = [range(0x80, 0x10000)]
    candidates += [range(low, high + 1) for low, high in _ASTRAL_RANGES + _INVISIBLE_RANGES]
    for block in candidates:
        for code in block:
            if 0xD800 <= code <= 0xDFFF:
                continue
            ch = chr(code)
            folded = _fold_char(ch)
            if folded != ch:
                table[code] = folded
    for code in range(0x20):
        table[code] = " "
    table[0x7F] = " "
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    return table


def fold(text: str) -> str:
    """Case-fold and de-disguise `text`, character by character (lengths may change)."""
    if text.isascii():
        return text.lower()
    return text.translate(_fold_table())


def _fold_offsets(text: str) -> list[int]:
    """For each character of `fold(text)`, the index of the original character it came from."""
    table = _fold_table()
    offsets: list[int] = []
    for index, ch in enumerate(text):
        piece = table.get(ord(ch), ch)
        offsets.extend([index] * len(piece))
    return offsets


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the folded text and the span of the folded text it was read from."""

    text: str
    start: int
    end: int


def tokens(folded: str) -> Iterator[Token]:
    """Words, glued runs of single characters, and single characters of unspaced scripts."""
    for m in _TOKEN.finditer(folded):
        word = _NOT_WORD.sub("", m.group()) if m.lastgroup == "glued" else m.group()
        yield Token(word, m.start(), m.end())


def _skeleton_word(word: str) -> str:
    """Undo leetspeak in a word that is mostly letters ("m0ney"), not in numbers ("2024")."""
    digits = len(_DIGIT.findall(word))
    if digits and digits * 2 <= len(word):
        return word.translate(_LEET_DIGITS)
    return word.translate(_I_TO_L)


_DIGIT_WORD = re.compile(r"[^ ]*[0-9][^ ]*")  # a word of the spaced form with a digit


def _skeleton_match(match: re.Match[str]) -> str:
    return _skeleton_word(match.group())


def _symbol_letter(match: re.Match[str]) -> str:
    return "a" if match.group() == "@" else "s"


def skeleton_of(folded: str) -> list[Token]:
    """Tokens of `folded` with @/$ read as a/s and digits as letters (same spans as folded)."""
    with_symbols = _LEET_SYMBOL.sub(_symbol_letter, folded)
    return [Token(_skeleton_word(t.text), t.start, t.end) for t in tokens(with_symbols)]


def _skeleton_words(folded: str) -> list[str]:
    """The texts of `skeleton_of(folded)`, without spans (the hot path of `normalize`)."""
    return list(map(_skeleton_word, words(_LEET_SYMBOL.sub(_symbol_letter, folded))))


# `_TOKEN` and `_NOT_WORD` for text that is all ASCII and lower case (what `fold` makes of
# ASCII): the same tokens, found without the Unicode classes (about twice as fast).
_ASCII_TOKEN = re.compile(r"(?<![a-z0-9])[a-z0-9](?:[^a-z0-9]{1,3}[a-z0-9](?![a-z0-9]))+|[a-z0-9]+")
_ASCII_NOT_WORD = re.compile(r"[^a-z0-9]+")
# two one-character words in a row in the spaced form of ASCII text: where the tokenizer glues
# ("a b c" reads "abc"); without one, the words are the runs of letters and digits
_ASCII_GLUED = re.compile(" [a-z0-9] [a-z0-9] ")


def words(folded: str) -> list[str]:
    """The texts of `tokens(folded)`, without spans: the hot path of `normalize`."""
    if folded.isascii() and not _HAS_UPPER.search(folded):
        return _ascii_words(folded)
    return [
        _NOT_WORD.sub("", glued) if glued else word or unspaced
        for glued, word, unspaced in _TOKEN.findall(folded)
    ]


_HAS_UPPER = re.compile("[A-Z]")


def _ascii_words(folded: str) -> list[str]:
    """`words` of ASCII text without capitals (see `_ascii_spaced`)."""
    return _ascii_spaced(folded.encode(), folded).split()


def _ascii_spaced(raw: bytes, folded: str) -> str:
    """`_join(words(folded))` of ASCII text without capitals, `raw` being its bytes. Without
    two one-character words in a row there is no glued run, and the words are the runs of
    letters and digits: split and joined at C speed (the tokenizer takes only the rest)."""
    spaced = " ".join(raw.translate(_ASCII_WORD_BYTES).decode().split())
    spaced = f" {spaced} " if spaced else " "
    if _ASCII_GLUED.search(spaced):
        return _join(_ascii_tokens(folded))
    return spaced


# every byte but a lower-case letter or a digit becomes a space
_ASCII_WORD_BYTES = bytes(
    b if chr(b) in "abcdefghijklmnopqrstuvwxyz0123456789" else 0x20 for b in range(256)
)
# every byte but those `_LEET_TRIGGER` looks for: what is left of ASCII text is its leetspeak
_NOT_LEET_BYTES = bytes(b for b in range(256) if chr(b) not in "013457@$")


def _ascii_tokens(folded: str) -> list[str]:
    """`_ascii_words` by the tokenizer (a glued run holds separators, a word none)."""
    return [
        token if token.isalnum() else _ASCII_NOT_WORD.sub("", token)
        for token in _ASCII_TOKEN.findall(folded)
    ]


def _join(parts: list[str]) -> str:
    return " " + " ".join(parts) + " " if parts else " "


class _Forms:
    """The slots of `Normalized`, declared once for it and for `_Filling`."""

    __slots__ = ("original", "folded", "spaced", "compact", "has_leet", "_skeleton", "_words")


class _Filling(_Forms):
    """A `Normalized` being filled in by plain attribute writes (`_forms`): a descriptor call
    per slot, as `Normalized.__init__` must make, cost a third of `normalize` per message."""

    __slots__ = ()


class Normalized(_Forms):
    """The matching forms of one text; `original_span` maps a match back to the original.

    Immutable. `skeleton` and `words` are worked out on first read: most messages are judged
    on `spaced`, `compact` and `folded` alone (the skeleton matters only with leetspeak, the
    words only to the classifier)."""

    __slots__ = ()

    original: str
    folded: str
    spaced: str
    compact: str
    has_leet: bool  # the skeleton may differ from `spaced` in more than i/l

    def __init__(
        self,
        original: str,
        folded: str,
        spaced: str,
        compact: str,
        skeleton: str | None = None,
        has_leet: bool = False,
        words: tuple[str, ...] | None = None,
    ) -> None:
        _SET_ORIGINAL(self, original)
        _SET_FOLDED(self, folded)
        _SET_SPACED(self, spaced)
        _SET_COMPACT(self, compact)
        _SET_HAS_LEET(self, has_leet)
        _SET_SKELETON(self, skeleton)  # None: from `folded` when read
        _SET_WORDS(self, words)  # None: the words of `spaced` when read

    @property
    def skeleton(self) -> str:
        """``spaced`` with leetspeak undone (``fr33 m0ney`` -> `` free money ``)."""
        skeleton = self._skeleton
        if skeleton is None:
            # without leetspeak the skeleton differs from `spaced` only in i/l (`_I_TO_L`)
            folded = self.folded
            if not self.has_leet:
                skeleton = self.spaced.replace("i", "l")
            elif "@" in folded or "$" in folded:  # a symbol read as a letter may join words
                skeleton = _join(_skeleton_words(folded))
            else:  # the words are the spaced form's: only those with a digit differ beyond i/l
                skeleton = _DIGIT_WORD.sub(_skeleton_match, self.spaced.replace("i", "l"))
            _SET_SKELETON(self, skeleton)
        return skeleton

    @property
    def words(self) -> tuple[str, ...]:
        """`words(folded)`: the classifier's tokens (no word holds a space)."""
        found = self._words
        if found is None:
            found = tuple(self.spaced.split(" ")[1:-1]) if len(self.spaced) > 1 else ()
            _SET_WORDS(self, found)
        return found

    def _key(self) -> tuple[object, ...]:
        return (self.original, self.folded, self.spaced, self.compact, self.skeleton,
                self.has_leet, self.words)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if type(other) is not Normalized:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "Normalized(" + ", ".join(map(repr, self._key())) + ")"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Normalized is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Normalized is immutable: cannot delete {name}")

    def original_span(self, form: Form, start: int, end: int) -> tuple[int, int]:
        """Span of `self.original` that produced `form[start:end]` (whole words of a form)."""
        return self.original_spans(form, [(start, end)])[0]

    def original_spans(self, form: Form, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """`original_span` for many spans of one form; computed on demand, so the common case
        (nothing matched) costs nothing extra."""
        offsets = _fold_offsets(self.original)
        if form == "compact":
            kept = [i for i, ch in enumerate(self.folded) if _is_compact_char(ch)]
            folded_spans = [(kept[start], kept[end - 1]) for start, end in spans]
        else:
            found = list(tokens(self.folded)) if form == "spaced" else skeleton_of(self.folded)
            starts, position = [], 1
            for word in found:
                starts.append(position)
                position += len(word.text) + 1
            folded_spans = []
            for start, end in spans:
                first_word = max(bisect.bisect_right(starts, start) - 1, 0)
                last_word = max(bisect.bisect_right(starts, end - 1) - 1, 0)
                folded_spans.append((found[first_word].start, found[last_word].end - 1))
        return [(offsets[first], offsets[last] + 1) for first, last in folded_spans]


# the slots' own setters: immutable for everyone else, and cheap (one per message)
_SET_ORIGINAL = _Forms.original.__set__  # type: ignore[attr-defined]
_SET_FOLDED = _Forms.folded.__set__  # type: ignore[attr-defined]
_SET_SPACED = _Forms.spaced.__set__  # type: ignore[attr-defined]
_SET_COMPACT = _Forms.compact.__set__  # type: ignore[attr-defined]
_SET_HAS_LEET = _Forms.has_leet.__set__  # type: ignore[attr-defined]
_SET_SKELETON = _Forms._skeleton.__set__  # type: ignore[attr-defined]
_SET_WORDS = _Forms._words.__set__  # type: ignore[attr-defined]


def _forms(original: str, folded: str, spaced: str, compact: str, has_leet: bool) -> Normalized:
    """`Normalized(original, folded, spaced, compact, None, has_leet)`, at a third the cost:
    filled in as a `_Filling`, then made a `Normalized` (the same slots), read-only from then."""
    forms = _Filling()
    forms.original = original
    forms.folded = folded
    forms.spaced = spaced
    forms.compact = compact
    forms.has_leet = has_leet
    forms._skeleton = None
    forms._words = None
    forms.__class__ = Normalized  # type: ignore[assignment]
    return forms  # type: ignore[return-value]


def _is_compact_char(ch: str) -> bool:
    return ch.isalnum() or bool(_UNSPACED_RE.match(ch))


def normalize(text: str) -> Normalized:
    """All matching forms of `text` (see the module docstring)."""
    folded = fold(text)
    if text.isascii():  # `fold` lower-cased it; its bytes are split and searched at C speed
        raw = folded.encode()
        spaced = _ascii_spaced(raw, folded)
        # the words hold only letters and digits, so `compact` is the text without the rest
        compact = spaced.replace(" ", "")
        has_leet = bool(raw.translate(None, _NOT_LEET_BYTES))
        return _forms(text, folded, spaced, compact, has_leet)
    parts = words(folded)
    has_leet = bool(_LEET_TRIGGER.search(folded))
    return _forms(text, folded, _join(parts), "".join(parts), has_leet)


# One message is normalized once for everything that reads it — every anti-spam trigger, the
# keyword matchers, the classifier and the FAQ — through this cache (keyed by the text; the
# last few hundred texts are kept, which covers every pass over one event).
normalized = functools.lru_cache(maxsize=512)(normalize)


def contains_unspaced_script(text: str) -> bool:
    """Whether `text` has characters of a script written without spaces (Chinese, Thai...)."""
    return bool(_UNSPACED_RE.search(fold(text)))


__all__ = [
    "Form",
    "Normalized",
    "Token",
    "contains_unspaced_script",
    "fold",
    "normalize",
    "normalized",
    "skeleton_of",
    "tokens",
    "words",
]
