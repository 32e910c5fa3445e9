"""A spam classifier that learns from moderators, in the manner of tg-spam.

Two opinions are combined:

- **similarity**: cosine of token counts between the message and every known spam sample; a
  message that is a near-copy of spam already seen (spammers repeat themselves) is spam;
- **naive Bayes**: over the *presence* of tokens and of adjacent word pairs (``call now``,
  ``txt win``, ``ur mobile``), for spam that is new but worded like spam. Presence rather than
  counts, and pairs beside words, measured best on the SMS training split with the shipped seed
  samples only (docs/antispam-quality.md, fourth round).

A message nearly identical to one moderators marked as *not* spam is never flagged, whatever the
two opinions say: `/notspam` must fix a false positive for good.

Tokens are words for scripts written with spaces and character bigrams for Chinese/Japanese, so
``加微信领取`` yields ``加微 微信 信领 领取``. The state is only counts derived from the samples,
so `SpamClassifier.from_samples` rebuilds it exactly from the (label, text) pairs the store keeps.

Cheap independent signals (emoji count, links, mixed-script words like ``pаypal``) are separate
pure functions at the end of the module.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Literal

from rules.antispam.normalize import normalized

Label = Literal["spam", "ham"]
SAMPLES_DIR = Path(__file__).with_name("samples")
_SEED_FILES: tuple[tuple[str, Label], ...] = (
    ("spam_en.txt", "spam"),
    ("spam_zh.txt", "spam"),
    ("ham.txt", "ham"),
)

_CURRENCY = re.compile(r"[£$€¥₹]")
_DIGITS = re.compile(r"\d+")
_LETTERS = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z]")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
# How a message is written, not what it says: most /spam samples have a currency sign or a word
# in capitals, so each one made these spammier while ham kept using them (a price, an acronym);
# learned samples cannot raise them above the seeds' log-odds (`SpamClassifier.from_samples`)
STYLE_FLAGS = frozenset({"<currency>", "<shouting>", "<caps>", "<bang>"})


# --- tokens ---------------------------------------------------------------------------------


def _number_shape(match: re.Match[str]) -> str:
    # Long numbers (phone numbers, short codes) matter, their exact digits rarely do.
    length = len(match.group())
    return "#" if length < 3 else "###" if length < 5 else "#####"


def features(text: str) -> Counter[str]:
    """Token counts of `text`: normalized words, CJK bigrams, number shapes, and a few flags."""
    return _tokens(text)[0]


def bayes_features(text: str) -> frozenset[str]:
    """What naive Bayes reads: the tokens of `features` and each pair of adjacent words."""
    return frozenset(_tokens(text)[1])


def _tokens(text: str) -> tuple[Counter[str], tuple[str, ...]]:
    """Token counts, and the distinct naive Bayes tokens in the order they occur (a set's
    order would depend on PYTHONHASHSEED, and with it the last digits of a probability)."""
    words = normalized(text).words
    if text.isascii():  # no unspaced script: every word is a token, each beside the next
        tokens = [w if w.isalpha() else _DIGITS.sub(_number_shape, w) for w in words]
        counts = Counter(tokens)
        pairs = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        raw = text.encode()
        letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
        upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    else:
        counts, pairs = _unspaced_tokens(words)
        letters = len(_LETTERS.findall(text))
        upper = len(_UPPER.findall(text)) if letters >= 8 else 0
    if _CURRENCY.search(text):
        counts["<currency>"] += 1
    if letters >= 8 and upper * 2 >= letters:
        counts["<shouting>"] += 1
    # naive Bayes only (similarity keeps comparing words): a word in capitals (FREE, URGENT,
    # TXT, or an acronym: the seed ham has those too) and an exclamation mark
    flags = [
        flag
        for flag, found in (("<caps>", _CAPS_WORD.search(text)), ("<bang>", "!" in text))
        if found
    ]
    return counts, tuple(dict.fromkeys([*counts, *pairs, *flags]))


_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII_UPPER = bytes(range(65, 91))


def _unspaced_tokens(words: tuple[str, ...]) -> tuple[Counter[str], list[str]]:
    """Token counts and word pairs of text that may hold an unspaced script."""
    counts: Counter[str] = Counter()
    pairs: list[str] = []
    previous = ""  # the last spaced word, for pairs (CJK runs have their bigrams already)
    run: list[str] = []  # consecutive characters of an unspaced script
    for word in [*words, ""]:
        if len(word) == 1 and not word.isascii() and unicodedata.category(word) == "Lo":
            run.append(word)
            previous = ""
            continue
        if run:  # bigrams of the run, or the character itself when it stands alone
            counts.update(a + b for a, b in zip(run, run[1:], strict=False))
            if len(run) == 1:
                counts[run[0]] += 1
            run = []
        if word:
            token = _DIGITS.sub(_number_shape, word) if _DIGITS.search(word) else word
            counts[token] += 1
            if previous:
                pairs.append(f"{previous} {token}")
            previous = token
    return counts, pairs


# --- verdict --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassifierSettings:
    """Thresholds. The defaults are conservative (a false positive deletes a member's message):
    on the validation slice of the SMS corpus (docs/antispam-quality.md) similarity >= 0.8 and
    naive Bayes >= 0.9999 each had precision 1.0, while tg-spam's 0.5 similarity had 0.85."""

    similarity_threshold: float = 0.8  # cosine to a spam sample at which a message is spam
    probability_threshold: float = 0.9999  # naive Bayes P(spam) at which a message is spam
    ham_veto_similarity: float = 0.9  # this close to a known ham sample: never spam
    min_tokens: int = 3  # shorter messages are judged by naive Bayes alone
    smoothing: float = 0.2  # additive (Laplace/Lidstone) smoothing of token counts


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the classifier thinks of one message, and why, in words a moderator reads."""

    is_spam: bool
    score: float  # the strongest evidence, 0..1
    probability: float  # naive Bayes probability of spam
    similarity: float  # highest cosine to a known spam sample (0.0 below the threshold)
    reasons: str


class _SampleIndex:
    """Token counts of samples of one label, indexed for cosine similarity without a full scan."""

    def __init__(self) -> None:
        self._norms: list[float] = []
        self._counts: list[Counter[str]] = []
        self._postings: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        self._ids: defaultdict[str, list[int]] = defaultdict(list)  # the postings' samples
        self._held_by: dict[str, int] = {}  # token -> how many samples hold it

    def __len__(self) -> int:
        return len(self._norms)

    def add(self, counts: Counter[str]) -> None:
        sample_id = len(self._norms)
        self._norms.append(_norm(counts))
        self._counts.append(counts)
        for token, count in counts.items():
            self._postings[token].append((sample_id, count))
            self._ids[token].append(sample_id)
            self._held_by[token] = self._held_by.get(token, 0) + 1

    def most_similar(self, counts: Counter[str], at_least: float = 0.0) -> float:
        """Highest cosine similarity to a sample, or 0.0 if none reaches `at_least`.

        Prefix filtering: a sample sharing none of the rarest tokens of the message cannot
        reach `at_least` (Cauchy-Schwarz), so only samples sharing one of them are scored.
        """
        norm = _norm(counts)
        if not norm or not self._norms:
            return 0.0
        candidates: set[int] | None = None
        if at_least > 0:
            candidates = set()
            remaining, floor = norm * norm, at_least * at_least * norm * norm
            ids = self._ids
            # rarest first: tokens no sample holds, then by how many samples hold them
            known = []
            for token, count in counts.items():
                if token in ids:
                    known.append(token)
                else:
                    remaining -= count**2
            known.sort(key=self._held_by.__getitem__)
            for token in known:
                if remaining < floor:
                    break
                candidates.update(ids[token])
                remaining -= counts[token] ** 2
            if not candidates:
                return 0.0
        dots: dict[int, int]
        if candidates is None:
            dots = defaultdict(int)
            for token in sorted(counts, key=lambda t: len(self._postings.get(t, ()))):
                count = counts[token]
                for sample_id, sample_count in self._postings.get(token, ()):
                    dots[sample_id] += count * sample_count
        else:  # few candidates: their own counts, not the long postings of common words
            tokens, values, samples = list(counts), list(counts.values()), self._counts
            dots = {
                i: sum(map(mul, values, map(samples[i].get, tokens, repeat(0)))) for i in candidates
            }
        best = max((dot / self._norms[i] for i, dot in dots.items()), default=0.0) / norm
        return best if best >= at_least else 0.0


def _norm(counts: Counter[str]) -> float:
    return math.sqrt(sum(c * c for c in counts.values()))


class SpamClassifier:
    """Similarity to spam samples + multinomial naive Bayes, learning one sample at a time."""

    def __init__(self, settings: ClassifierSettings | None = None) -> None:
        self.settings = settings or ClassifierSettings()
        self._documents: Counter[Label] = Counter()
        # in how many samples of each label a naive Bayes token occurs
        self._token_counts: dict[Label, Counter[str]] = {"spam": Counter(), "ham": Counter()}
        self._token_totals: Counter[Label] = Counter()
        self._samples: dict[Label, _SampleIndex] = {"spam": _SampleIndex(), "ham": _SampleIndex()}
        self._weights: dict[str, float] | None = None  # log-odds per token, built on demand
        # the seeds' log-odds of their ham-leaning tokens, which learned samples cannot raise
        self._ham_caps: dict[str, float] = {}

    @classmethod
    def from_samples(
        cls,
        samples: Iterable[tuple[Label, str]],
        settings: ClassifierSettings | None = None,
        learned: Iterable[tuple[Label, str]] = (),
    ) -> SpamClassifier:
        """The classifier that learning `samples` (the seeds) and then `learned` (what moderators
        marked, kept by the store) in order produces. Learned samples cannot make a token the
        seeds count as ham-like any spammier than the seeds do: `/spam` on chat-line scams must
        not turn a friend's "call me later tonight" into spam (after 100 spam-only feedbacks,
        cross-validated over the SMS training split: 4 ham flagged -> 2, one spam fewer caught
        in 453; docs/antispam-quality.md, fifth round). Nor can they make the `STYLE_FLAGS`
        (a currency sign, capitals, "!") any spammier: after 100 /spam, 3 ham flagged -> 2
        (session 9)."""
        classifier = cls(settings)
        for label, text in samples:
            classifier.learn(label, text)
        learned = list(learned)
        if learned:
            weights = classifier._log_odds_by_token()
            classifier._ham_caps = {
                token: w for token, w in weights.items() if w < 0 or token in STYLE_FLAGS
            }
        for label, text in learned:
            classifier.learn(label, text)
        return classifier

    @property
    def sample_counts(self) -> dict[Label, int]:
        return {"spam": self._documents["spam"], "ham": self._documents["ham"]}

    def learn(self, label: Label, text: str) -> None:
        if label not in ("spam", "ham"):
            raise ValueError(f"label must be 'spam' or 'ham', not {label!r}")
        counts, tokens = _tokens(text)
        if not counts:
            return
        self._documents[label] += 1
        self._token_counts[label].update(tokens)
        self._token_totals[label] += len(tokens)
        self._samples[label].add(counts)
        self._weights = None

    def learn_spam(self, text: str) -> None:
        """A moderator confirmed `text` is spam (/spam)."""
        self.learn("spam", text)

    def learn_ham(self, text: str) -> None:
        """A moderator confirmed `text` is not spam (/notspam, unban)."""
        self.learn("ham", text)

    def _log_odds_by_token(self) -> dict[str, float]:
        """What each token's presence adds to the log-odds of spam (smoothed counts), computed
        once per set of samples so that judging a message is one lookup per token."""
        if self._weights is None:
            alpha = self.settings.smoothing
            spam_counts, ham_counts = self._token_counts["spam"], self._token_counts["ham"]
            vocabulary = len(spam_counts.keys() | ham_counts.keys())
            spam_denominator = math.log(self._token_totals["spam"] + alpha * vocabulary)
            ham_denominator = math.log(self._token_totals["ham"] + alpha * vocabulary)
            bias = ham_denominator - spam_denominator
            weights = {
                token: math.log(spam_counts.get(token, 0) + alpha)
                - math.log(ham_counts.get(token, 0) + alpha)
                + bias
                for token in spam_counts.keys() | ham_counts.keys()
            }
            for token, cap in self._ham_caps.items():
                if weights[token] > cap:
                    weights[token] = cap
            self._weights = weights
        return self._weights

    def spam_probability(self, tokens: Iterable[str]) -> float:
        """Naive Bayes P(spam | tokens present) with even priors; tokens never seen in training
        are ignored."""
        if not self._documents["spam"] or not self._documents["ham"]:
            return 0.0
        # A fixed, even prior: how many samples each class has says what moderators happened
        # to label, not how likely spam is (100 /spam and no /notspam made every SMS-style
        # message look like spam under the sample-ratio prior, docs/antispam-quality.md).
        weights = self._log_odds_by_token()
        # distinct tokens, summed exactly: the same probability whatever order they come in
        # (a set's order depends on PYTHONHASHSEED)
        log_odds = math.fsum(weights.get(token, 0.0) for token in dict.fromkeys(tokens))
        if log_odds > 700:
            return 1.0
        return 1.0 / (1.0 + math.exp(-log_odds)) if log_odds > -700 else 0.0

    def evidence(self, text: str, similarity_floor: float | None = None) -> Evidence:
        """The raw measurements behind a verdict (reusable with other settings by `decide`).

        A similarity below `similarity_floor` (default: the similarity threshold) is reported
        as 0.0: it cannot decide, and the floor lets the index skip most samples."""
        counts, tokens = _tokens(text)
        if similarity_floor is None:
            similarity_floor = min(self.settings.similarity_threshold, 1.0)
        return Evidence(
            probability=self.spam_probability(tokens),
            spam_similarity=self._samples["spam"].most_similar(counts, at_least=similarity_floor),
            ham_similarity=self._samples["ham"].most_similar(
                counts, at_least=self.settings.ham_veto_similarity
            ),
            token_count=sum(counts.values()),
        )

    def classify(self, text: str) -> Verdict:
        return decide(self.evidence(text), self.settings)


@dataclass(frozen=True, slots=True)
class Evidence:
    probability: float  # naive Bayes P(spam)
    spam_similarity: float  # highest cosine to a spam sample, 0.0 below the floor asked for
    ham_similarity: float  # highest cosine to a ham sample, 0.0 below the veto threshold
    token_count: int


def decide(evidence: Evidence, settings: ClassifierSettings) -> Verdict:
    """Turn measurements into a verdict under `settings`; pure, so thresholds can be tuned."""
    probability, similarity = evidence.probability, evidence.spam_similarity
    long_enough = evidence.token_count >= settings.min_tokens
    by_similarity = long_enough and similarity >= settings.similarity_threshold
    by_probability = probability >= settings.probability_threshold
    reasons: list[str] = []
    if by_similarity:
        reasons.append(f"similar ({similarity:.2f}) to a known spam sample")
    reasons.append(f"naive Bayes {_percent(probability)} spam")
    is_spam = by_similarity or by_probability
    ham_similarity = evidence.ham_similarity
    if ham_similarity >= settings.ham_veto_similarity and ham_similarity >= similarity:
        reasons.append(f"but nearly identical ({ham_similarity:.2f}) to a message marked not spam")
        is_spam = False
    score = max(probability, similarity if long_enough else 0.0)
    return Verdict(is_spam, score, probability, similarity, "; ".join(reasons))


def _percent(probability: float) -> str:
    if 0.0 < probability < 0.01:
        return "<1%"
    if 0.99 < probability < 1.0:
        return ">99%"
    return f"{probability:.0%}"


def load_seed_samples(directory: Path = SAMPLES_DIR) -> list[tuple[Label, str]]:
    """The operator-editable seed samples: one message per line, `#` starts a comment line."""
    samples: list[tuple[Label, str]] = []
    for file_name, label in _SEED_FILES:
        for line in (directory / file_name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                samples.append((label, line))
    return samples


# --- cheap signals --------------------------------------------------------------------------

_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U0001f000-\U0001f0ff\U0001f100-\U0001f1ff\u2600-\u27bf"
    "\u2b00-\u2bff\u2300-\u23ff\u3030\u303d\u3297\u3299]"
)
_REGIONAL_INDICATOR = re.compile("[\U0001f1e6-\U0001f1ff]")
_LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b(?:t\.me|telegram\.me|discord\.gg|wa\.me)/\S+"
    r"|\b[a-z0-9][a-z0-9-]{0,62}\.(?:com|net|org|io|me|ly|gg|xyz|top|cn|ru|info|biz|link|club"
    r"|site|online|app|shop|vip|cc|tk)\b(?:/\S*)?",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@])@\w{3,}")
_WORD = re.compile(r"\w+")
_SCRIPT_RANGES: tuple[tuple[str, int, int], ...] = (
    ("latin", 0x0041, 0x024F),
    ("greek", 0x0370, 0x03FF),
    ("cyrillic", 0x0400, 0x052F),
)


def count_emoji(text: str) -> int:
    """Emoji in `text`; a flag (two regional indicators) counts once."""
    flags = len(_REGIONAL_INDICATOR.findall(text))
    return len(_EMOJI.findall(text)) - flags + flags // 2


def count_links(text: str) -> int:
    """URLs and bare domains such as ``example.com`` or ``t.me/channel``."""
    return len(_LINK.findall(text))


def count_mentions(text: str) -> int:
    """``@username`` mentions."""
    return len(_MENTION.findall(text))


def _scripts(word: str) -> set[str]:
    found: set[str] = set()
    for ch in word:
        if ch.isalpha():
            code = ord(ch)
            for script, low, high in _SCRIPT_RANGES:
                if low <= code <= high:
                    found.add(script)
    return found


def mixed_script_words(text: str) -> list[str]:
    """Words mixing latin with Cyrillic or Greek letters (``pаypal``), a classic disguise."""
    return [
        word
        for word in _WORD.findall(unicodedata.normalize("NFC", text))
        if not word.isascii() and len(_scripts(word)) > 1
    ]


__all__ = [
    "ClassifierSettings",
    "Evidence",
    "Label",
    "SpamClassifier",
    "Verdict",
    "count_emoji",
    "count_links",
    "count_mentions",
    "decide",
    "bayes_features",
    "features",
    "load_seed_samples",
    "mixed_script_words",
]
