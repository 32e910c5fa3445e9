"""The `ads` trigger: contact solicitations, the scam lexicon and disguise, scored together.

No single word decides. Each piece of evidence adds its weight (the playbook sets them):

- contact signals (`rules.antispam.contact`): a handle with an id (an evasive handle such as
  ``vx`` / ``薇`` / ``扣扣`` weighs more than ``微信``), a verb before a handle (加 / add), a
  phone number, a premium-rate number, an SMS short code, "scan the QR code", "DM me", "join
  the group";
- lexicon categories (`rules.antispam.lexicon`): a category's first strong phrase is worth its
  weight, each further one half of it (at most twice the weight in all); weak topic words a
  quarter each (at most half);
- disguise: zero-width characters, full-width letters, look-alike letters of another script,
  Chinese spelled out with separators, an id written in pieces;
- who speaks: in a member's first messages evidence counts a little more (`newcomer`), and a
  forward from a channel nobody trusts is evidence; a long-standing member's score is
  multiplied by `established_factor`, so "我们的微信群周五开会" or "add me on WeChat after the
  meetup" from a regular never reaches the threshold.

The message fires the trigger when the total reaches `threshold`; the reason lists every part,
so `/automod explain` and `qunbot playbook explain` show which category and handle matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Annotated, Any, Literal

import ahocorasick
from pydantic import AfterValidator, Field, NonNegativeInt, PrivateAttr, confloat, model_validator

from bot.configmodel import ConfigModel
from bot.frozen import quick_init
from rules.antispam.contact import (
    EMOJI_HANDLES,
    Signal,
    find_contacts,
    may_have_contacts,
    needle_words,
    plain_signals,
)
from rules.antispam.lexicon import (
    LANGUAGES,
    Lexicon,
    LexiconHit,
    Strength,
    builtin,
    builtin_categories,
)
from rules.antispam.normalize import Normalized, normalize

Weight = confloat(ge=0, le=10)  # type: ignore[valid-type]

DEFAULT_WEIGHTS = {
    "finance": 0.6,
    "cash_out": 0.7,
    "exam": 0.6,
    "part_time": 0.6,
    "gambling": 0.7,
    "invoices": 0.9,
    "adult": 0.7,
    "crypto": 0.6,
    "giveaway": 0.5,
    "premium_sms": 0.55,
    "grey_services": 0.6,
    "phishing": 0.6,
}


def _word(word: str) -> str:
    if not normalize(word).compact:
        raise ValueError(f"word {word!r} has no letters or digits to match")
    return word


Word = Annotated[str, AfterValidator(_word)]


class AdCategory(ConfigModel):
    """One lexicon category as the playbook sets it."""

    enabled: bool = True
    weight: Weight | None = None  # type: ignore[valid-type]  # None: the shipped weight (0.6)
    words: list[Word] = Field(default_factory=list)  # strong phrases added to the shipped ones
    weak_words: list[Word] = Field(default_factory=list)
    builtin_words: bool = True  # false: only the words listed here


class ContactWeights(ConfigModel):
    handle_with_id: Weight = 0.6  # type: ignore[valid-type]  # 微信 abc123, WhatsApp +44...
    evasive_handle_with_id: Weight = 0.8  # type: ignore[valid-type]  # vx / 薇 / 扣扣 + id
    handle: Weight = 0.2  # type: ignore[valid-type]  # a verb before a handle: 加微信, add me on
    phone: Weight = 0.4  # type: ignore[valid-type]  # a mobile or long phone number
    premium_number: Weight = 0.9  # type: ignore[valid-type]  # 09xx / 087x premium-rate lines
    short_code: Weight = 0.8  # type: ignore[valid-type]  # "txt WIN to 87121"
    premium_charge: Weight = 0.5  # type: ignore[valid-type]  # "150p/msg", "£1.50 per min"
    reply_keyword: Weight = 0.4  # type: ignore[valid-type]  # "reply YES", "txt HORO"
    prize_value: Weight = 0.3  # type: ignore[valid-type]  # "£1000", "$350", "2,000 pounds"
    age_gate: Weight = 0.45  # type: ignore[valid-type]  # "18+", "over 16s"
    short_number: Weight = 0.3  # type: ignore[valid-type]  # a bare 5-digit short code: 84484
    shouted_prize: Weight = 0.3  # type: ignore[valid-type]  # "for FREE", "WIN a" in lower case
    call_number: Weight = 0.45  # type: ignore[valid-type]  # "call 0800...", not "call me on"
    pence_price: Weight = 0.3  # type: ignore[valid-type]  # "only 10p", "costing 300p"
    phone_content: Weight = 0.45  # type: ignore[valid-type]  # "new tones straight to ur mobile"
    qr_code: Weight = 0.5  # type: ignore[valid-type]  # 扫码进群, scan the QR code
    private_chat: Weight = 0.4  # type: ignore[valid-type]  # 私我, 私聊, DM me
    join_group: Weight = 0.3  # type: ignore[valid-type]  # 进群, 群满了
    call_to_action: Weight = 0.2  # type: ignore[valid-type]  # 有意者, 名额有限, link in bio
    disguise: Weight = 0.3  # type: ignore[valid-type]  # zero-width, full-width, look-alikes
    newcomer: Weight = 0.35  # type: ignore[valid-type]  # in a first message, with other evidence
    forward: Weight = 0.4  # type: ignore[valid-type]  # a newcomer forwards from an unknown channel


class Ads(ConfigModel):
    """Scored detection of ads and scams (see the module docstring)."""

    threshold: confloat(gt=0) = 1.0  # type: ignore[valid-type]
    languages: list[Literal["zh", "en"]] = Field(default_factory=lambda: list(LANGUAGES))
    # category name -> settings; shipped categories not listed are on with their shipped weight.
    # A new name with words is a category of your own.
    categories: dict[str, AdCategory] = Field(default_factory=dict)
    contact: ContactWeights = Field(default_factory=ContactWeights)
    first_messages: NonNegativeInt = 3  # "newcomer" evidence in a member's first N messages
    established_after: NonNegativeInt = 50  # a member with more messages than this ...
    established_factor: confloat(ge=0, le=1) = 0.5  # type: ignore[valid-type]  # ... scores x this
    trusted_channels: list[str] = Field(default_factory=list)  # forwards from these are fine

    _lexicon: Lexicon | None = PrivateAttr(default=None)
    _weights: dict[str, float] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _known_categories(self) -> Ads:
        shipped = set(builtin_categories())
        for name, category in self.categories.items():
            if name not in shipped and not (category.words or category.weak_words):
                raise ValueError(
                    f"category {name!r} is not shipped ({', '.join(sorted(shipped))}); "
                    "a category of your own needs words"
                )
        return self

    def model_post_init(self, context: Any) -> None:
        entries: list[tuple[str, Strength, str]] = []
        weights: dict[str, float] = {}
        names = dict.fromkeys([*builtin_categories(), *self.categories])
        for name in names:
            setting = self.categories.get(name, AdCategory())
            if not setting.enabled:
                continue
            weights[name] = (
                setting.weight if setting.weight is not None else DEFAULT_WEIGHTS.get(name, 0.6)
            )
            if setting.builtin_words:
                for language in self.languages:
                    shipped = builtin(language).get(name, {})
                    entries += [(name, "strong", w) for w in shipped.get("strong", ())]
                    entries += [(name, "weak", w) for w in shipped.get("weak", ())]
            entries += [(name, "strong", w) for w in setting.words]
            entries += [(name, "weak", w) for w in setting.weak_words]
        self._lexicon = Lexicon(entries)
        self._weights = weights

    # cached: a pydantic private attribute is slow to read (~1 µs), this is read per message
    @cached_property
    def lexicon(self) -> Lexicon:
        assert self._lexicon is not None
        return self._lexicon

    @cached_property
    def evidence_words(self) -> frozenset[str]:
        """What `without_evidence` looks for in the spaced form (see there)."""
        return self.lexicon.spaced_keys | needle_words()

    @cached_property
    def _evidence_words(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        for word in self.evidence_words:
            automaton.add_word(word, word)
        automaton.make_automaton()
        return automaton

    @cached_property
    def nothing(self) -> tuple[AdScore, AdScore]:
        """The score of a message without evidence: (by most members, by a long-standing one)."""
        established = self.established_factor
        return AdScore(0, self.threshold, (), 1.0), AdScore(0, self.threshold, (), established)

    def without_evidence(self, norm: Normalized) -> bool:
        """True only when the message holds no lexicon word and no contact signal, decided by
        one automaton pass for the common chat line (latin letters, no digits, no leetspeak:
        the lexicon then looks only in the spaced form, where every word a contact signal
        needs is found too); False: look the long way."""
        compact = norm.compact
        if not compact.isascii() or not (compact.isalpha() or not compact) or norm.has_leet:
            return False
        folded = norm.folded
        if not folded.isascii() and any(emoji in folded for emoji in EMOJI_HANDLES):
            return False
        return next(self._evidence_words.iter(norm.spaced), None) is None

    @cached_property
    def _plain_evidence(self) -> dict[str, tuple[tuple[str, ...], tuple[LexiconHit, ...]]]:
        """Each evidence word: the contact signals it may give in plain text, and the lexicon
        words it is."""
        kinds: dict[str, list[str]] = {}
        for kind, needles in plain_signals().items():
            for needle in needles:
                kinds.setdefault(needle, []).append(kind)
        hits = self.lexicon.spaced_hits
        return {
            word: (tuple(kinds.get(word, ())), hits.get(word, ())) for word in self.evidence_words
        }

    def may_fire_plain(self, found: Iterable[str], messages_before: int, forward: bool) -> bool:
        """Whether `score` may fire on ASCII text without digits, "@" or "$" whose evidence
        words in the spaced form are `found`: False for most chat lines with a "me" or a
        "free", whose `plain_bound` stays under the threshold."""
        # the score is rounded to 4 places: a bound a hair under the threshold may still fire
        return self.plain_bound(found, messages_before, forward) >= self.threshold - 1e-3

    def plain_bound(self, found: Iterable[str], messages_before: int, forward: bool) -> float:
        """The most `score` gives ASCII text without digits, "@" or "$" whose evidence words
        in the spaced form are `found`: there is no leetspeak and no disguise, the lexicon
        looks in the spaced form only and `find_contacts` gives `plain_signals` only, so it is
        every signal those words allow and each category at its most."""
        evidence = self._plain_evidence
        kinds: set[str] = set()
        strong: dict[str, set[str]] = {}
        weak: dict[str, set[str]] = {}
        for word in found:
            signals, hits = evidence.get(word, ((), ()))
            kinds.update(signals)
            for hit in hits:
                listed = strong if hit.strength == "strong" else weak
                listed.setdefault(hit.category, set()).add(hit.word)
        weights, category_weights = self.contact, self.weights
        others = sum(getattr(weights, kind) for kind in kinds)  # scaled for a regular
        lexicon = 0.0
        for category in strong.keys() | weak.keys():
            weight = category_weights.get(category, 0.0)
            count = len(strong.get(category, ()))
            if count:
                lexicon += min(weight * (1 + 0.5 * (count - 1)), 2 * weight)
            lexicon += min(0.25 * weight * len(weak.get(category, ())), 0.5 * weight)
        early = messages_before < self.first_messages
        if early and forward:
            others += weights.forward
        if early and (others or lexicon):
            others += weights.newcomer
        if messages_before > self.established_after:
            others *= self.established_factor
        return lexicon + others

    def plain_evidence(self, norm: Normalized) -> set[str]:
        """The evidence words in the spaced form (what `plain_bound` reads)."""
        return {word for _, word in self._evidence_words.iter(norm.spaced)}

    @property
    def category_weights(self) -> dict[str, float]:
        return dict(self.weights)

    @cached_property
    def weights(self) -> Mapping[str, float]:
        """category → weight, read-only (`category_weights` is a copy)."""
        return MappingProxyType(dict(self._weights))


# --- disguise -----------------------------------------------------------------------------

_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")  # not ，！：
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\u00ad\u034f\u180e]")
_CJK = "\u4e00-\u9fff"
_SPELLED_OUT = re.compile(rf"[{_CJK}][^\w\s]{{1,2}}[{_CJK}][^\w\s]{{1,2}}[{_CJK}]")
_SPACED_OUT = re.compile(rf"(?:[{_CJK}] ){{3,}}[{_CJK}]")
_LATIN = re.compile(r"[a-zA-Z]")
_OTHER_SCRIPT = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_WORD = re.compile(r"\w+")


def disguises(norm: Normalized) -> list[str]:
    """How the message hides what it says (empty for ordinary text). Cheap: a few searches."""
    original = norm.original
    if original.isascii():
        return []
    found = []
    if _INVISIBLE.search(original):
        found.append("invisible characters")
    if _FULL_WIDTH.search(original):
        found.append("full-width letters")
    if _OTHER_SCRIPT.search(original) and any(
        _LATIN.search(w) and _OTHER_SCRIPT.search(w) for w in _WORD.findall(original)
    ):
        found.append("look-alike letters of another script")
    if _SPELLED_OUT.search(original) or _SPACED_OUT.search(original):
        found.append("characters spelled out with separators")
    return found


# --- scoring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    what: str  # "contact", a category name, "disguise", "newcomer", "forward"
    detail: str
    weight: float


@quick_init
@dataclass(frozen=True, slots=True)
class AdScore:
    total: float
    threshold: float
    parts: tuple[Part, ...]
    factor: float = 1.0  # < 1 for an established member

    @property
    def fires(self) -> bool:
        return self.total >= self.threshold

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(p.what for p in self.parts if p.what not in _NOT_CATEGORIES)

    def explain(self) -> str:
        if not self.parts:
            return "no ad evidence"
        parts = ", ".join(f"{p.what} {p.detail} (+{p.weight:.2f})" for p in self.parts)
        established = ""
        if self.factor != 1.0:
            established = f"; contact and disguise × {self.factor:g} for a long-standing member"
        return f"ad score {self.total:.2f} (threshold {self.threshold:g}): {parts}{established}"


def _outermost(words: list[str]) -> list[str]:
    """Drop words found only as part of a longer one (无视黑白户 counts once, not twice)."""
    return [w for w in words if not any(w != o and w in o for o in words)]


_NOT_CATEGORIES = frozenset({"contact", "disguise", "newcomer", "forward"})


def score(
    cfg: Ads,
    norm: Normalized,
    *,
    messages_before: int,
    is_forward: bool = False,
    forwarded_from: str | None = None,
) -> AdScore:
    """The ad score of one normalized message by a member with `messages_before` messages."""
    parts: list[Part] = []
    weights = cfg.contact
    by_kind: dict[str, Signal] = {}
    disguise = disguises(norm)
    early = messages_before < cfg.first_messages
    if not disguise and not (early and is_forward) and cfg.without_evidence(norm):
        # most chat lines: what the long way below comes to without a single part
        return cfg.nothing[messages_before > cfg.established_after]
    hits = cfg.lexicon.find(norm)
    for signal in find_contacts(norm) if may_have_contacts(norm) else ():
        if signal.kind == "disguise":
            disguise.append(signal.detail)
            continue
        by_kind.setdefault(signal.kind, signal)
    if "evasive_handle_with_id" in by_kind:
        by_kind.pop("handle_with_id", None)
    for kind, signal in by_kind.items():
        weight = getattr(weights, kind)
        if weight:
            parts.append(Part("contact", f"{kind.replace('_', ' ')}: {signal.detail}", weight))
    category_weights = cfg.weights
    if hits:
        by_category: dict[str, dict[str, list[str]]] = {}
        for hit in hits:
            by_category.setdefault(hit.category, {"strong": [], "weak": []})[hit.strength].append(
                hit.word
            )
        # a weak word inside a strong phrase of any category counts once, with the phrase
        every_strong = [w for found in by_category.values() for w in found["strong"]]
        for category, found in by_category.items():
            weight = category_weights.get(category, 0.0)
            strong, weak = _outermost(found["strong"]), _outermost(found["weak"])
            weak = [w for w in weak if not any(w in s for s in every_strong)]
            value = min(weight * (1 + 0.5 * (len(strong) - 1)), 2 * weight) if strong else 0.0
            value += min(0.25 * weight * len(weak), 0.5 * weight)
            if value:
                parts.append(Part(category, "'" + "', '".join(strong + weak) + "'", value))
    if disguise and weights.disguise and (parts or len(disguise) >= 2):
        parts.append(Part("disguise", "; ".join(dict.fromkeys(disguise)), weights.disguise))
    if early and is_forward and weights.forward and forwarded_from not in cfg.trusted_channels:
        source = f" from {forwarded_from}" if forwarded_from else ""
        parts.append(Part("forward", f"in a first message{source}", weights.forward))
    if early and parts and weights.newcomer:
        parts.append(Part("newcomer", f"message {messages_before + 1}", weights.newcomer))
    total = sum(p.weight for p in parts)
    factor = 1.0
    if messages_before > cfg.established_after:
        # members share contacts and talk about loans; what they say counts less (the scam
        # lexicon's strong phrases too: a compromised account still reads like an ad)
        factor = cfg.established_factor
        total = sum(p.weight * (1.0 if p.what in category_weights else factor) for p in parts)
    return AdScore(round(total, 4), cfg.threshold, tuple(parts), factor)


__all__ = ["AdCategory", "AdScore", "Ads", "ContactWeights", "Part", "disguises", "score"]
