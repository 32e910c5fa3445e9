"""The anti-spam section: rules made of triggers (any fires), scoping, actions and a mode,
plus the learned classifier and join-rate raid detection."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    NonNegativeInt,
    PositiveInt,
    PrivateAttr,
    confloat,
    field_validator,
    model_validator,
)

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from rules.antispam.adscore import Ads
from rules.antispam.classifier import ClassifierSettings
from rules.antispam.keywords import KeywordMatcher
from rules.antispam.safe_regex import OperatorRegex, compile_operator_regex

if TYPE_CHECKING:
    from rules.antispam.rules import Compiled


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero, e.g. 10s or 5m")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _valid_regex(pattern: str) -> str:
    compile_operator_regex(pattern)  # raises ValueError saying what is wrong
    return pattern


def _valid_keyword(keyword: str) -> str:
    KeywordMatcher([keyword])  # raises ValueError for a keyword with nothing to match
    return keyword


def _domain(value: str) -> str:
    value = value.strip().lower().removeprefix("https://").removeprefix("http://")
    value = value.removeprefix("www.").strip("/")
    if not value or " " in value or "." not in value:
        raise ValueError(f"expected a domain such as example.com, got {value!r}")
    return value


Regex = Annotated[str, AfterValidator(_valid_regex)]
Keyword = Annotated[str, AfterValidator(_valid_keyword)]
Domain = Annotated[str, AfterValidator(_domain)]


# -- triggers ------------------------------------------------------------------------------------


class Flood(ConfigModel):
    messages: PositiveInt = 6  # this many messages ...
    window: PositiveDuration = timedelta(seconds=10)  # ... within this time
    per_channel: bool = False  # count each channel separately


class Duplicates(ConfigModel):
    count: PositiveInt = 3  # the same normalized text this many times ...
    window: PositiveDuration = timedelta(minutes=1)  # ... within this time, across channels
    min_length: NonNegativeInt = 4  # shorter texts ("ok", "+1") never count


class Mentions(ConfigModel):
    max: PositiveInt = 5  # more distinct mentions than this in one message


class Links(ConfigModel):
    deny_domains: list[Domain] = Field(default_factory=list)
    allow_domains: list[Domain] = Field(default_factory=list)
    invites: bool = True  # Discord / Telegram invite links
    any: bool = False  # every link whose domain is not allowed


class Caps(ConfigModel):
    min_letters: PositiveInt = 15
    ratio: confloat(gt=0, le=1) = 0.8  # type: ignore[valid-type]


class Emoji(ConfigModel):
    max: PositiveInt = 12


class RepeatedChars(ConfigModel):
    max_run: PositiveInt = 12  # "!!!!!!!!!!!!!" or "啊啊啊啊啊啊啊啊啊啊啊啊啊"


class Newcomer(ConfigModel):
    """Restrictions for a member's first messages or first hours (whichever lasts longer)."""

    first_messages: NonNegativeInt = 3
    first_hours: NonNegativeInt = 24
    # any: every link; suspicious: only a link that looks like an ad (rules/antispam/newlinks.py:
    # an invite, a shortener, a throwaway domain, a message that is only a link, or a link with
    # scam words or a contact); off. true / false mean any / off.
    links: Literal["any", "suspicious", "off"] = "any"
    # links to these (and their subdomains) are never suspicious, besides the shipped well-known
    # sites (github.com, python.org, wikipedia.org, ...)
    trusted_domains: list[Domain] = Field(default_factory=list)
    # ad evidence (the `ads` score without the newcomer bonus) at which a link is suspicious:
    # 0.25: a scam phrase, a contact signal or two topic words; one weak topic word is not
    # enough ("free courses at udemy.com": 5 of 73 links in real chat were removed at 0.1)
    link_evidence: confloat(gt=0) = 0.25  # type: ignore[valid-type]
    # or the classifier's naive Bayes P(spam) of the message, when it judged it, reaches this
    # (short of its own threshold). Off (1.0) by default: at 1 - 10^-3.5 (above every real-chat
    # message with a link) it caught no fresh SMS spam and removed 3 more held-out SMS ham
    # with a link (bank and gateway notices) — see docs/antispam-quality.md, sixth round
    link_classifier: confloat(ge=0, le=1) = 1.0  # type: ignore[valid-type]
    media: bool = False
    mentions: bool = False
    forwards: bool = True
    # forwards from these channels are fine (ids or names as the platform gives them)
    trusted_channels: list[str] = Field(default_factory=list)
    media_only: bool = False  # a first message that is only a picture/file (QR-code ads)
    as_channel: bool = False  # a message posted as a channel (Telegram sender_chat)

    @field_validator("links", mode="before")
    @classmethod
    def _boolean_links(cls, value: object) -> object:
        if isinstance(value, bool):  # the earlier `links: true | false`
            return "any" if value else "off"
        return value


class Triggers(ConfigModel):
    flood: Flood | None = None
    duplicates: Duplicates | None = None
    mentions: Mentions | None = None
    links: Links | None = None
    keywords: list[Keyword] = Field(default_factory=list)
    regex: list[Regex] = Field(default_factory=list)
    caps: Caps | None = None
    emoji: Emoji | None = None
    repeated_chars: RepeatedChars | None = None
    newcomer: Newcomer | None = None
    classifier: bool = False  # the learned spam classifier (see `classifier:` of the section)
    ads: Ads | None = None  # scored contact solicitations + scam lexicon (docs/antispam.md)

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in type(self).model_fields)


# -- actions -------------------------------------------------------------------------------------


class Actions(ConfigModel):
    """What to do when a rule fires; unknown keys are errors (the playbook names the line)."""

    delete: bool = False
    reply: TemplateText | None = None  # {member}, {rule}, {reason}
    warn: NonNegativeInt = 0  # warning points; they count toward the escalation ladder
    timeout: PositiveDuration | None = None
    kick: bool = False
    ban: bool = False
    alert: bool = False  # tell the moderators (the log channel, if one is set)

    def is_empty(self) -> bool:
        return not (self.delete or self.reply or self.warn or self.timeout or self.kick
                    or self.ban or self.alert)  # fmt: skip

    @field_validator("timeout")
    @classmethod
    def _at_most_28_days(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value > timedelta(days=28):
            raise ValueError("a timeout lasts at most 28 days (Discord's limit); use ban")
        return value


# -- a rule --------------------------------------------------------------------------------------


class SpamRule(ConfigModel):
    name: str = Field(min_length=1, max_length=60)
    triggers: Triggers
    actions: Actions
    mode: Literal["enforce", "shadow"] = "enforce"  # shadow: log what it would do, do nothing
    cooldown: Duration = timedelta(0)  # after firing for a member, rest this long for them
    channels: list[str] = Field(default_factory=list)  # only here (empty: everywhere)
    exclude_channels: list[str] = Field(default_factory=list)
    exempt_roles: list[str] = Field(default_factory=list)
    exempt_members: list[str] = Field(default_factory=list)
    newcomers_only: bool = False  # only members inside welcome.newcomer_window
    check_edits: bool = True  # judge edited messages again (content triggers only)

    _keywords: KeywordMatcher | None = PrivateAttr(default=None)
    _regexes: tuple[OperatorRegex, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _meaningful(self) -> SpamRule:
        if self.triggers.is_empty():
            raise ValueError(f"rule {self.name!r} has no trigger (flood, keywords, links, ...)")
        if self.actions.is_empty():
            raise ValueError(f"rule {self.name!r} has no action (delete, warn, alert, ...)")
        return self

    def model_post_init(self, context: Any) -> None:
        # compiled once when the playbook loads; the rules only read them
        self._keywords = KeywordMatcher(self.triggers.keywords) if self.triggers.keywords else None
        self._regexes = tuple(compile_operator_regex(p) for p in self.triggers.regex)

    # cached: a pydantic private attribute is slow to read (~1 µs), these are read per message
    @cached_property
    def keyword_matcher(self) -> KeywordMatcher | None:
        return self._keywords

    @cached_property
    def regexes(self) -> tuple[OperatorRegex, ...]:
        return self._regexes

    @cached_property
    def exempt_role_set(self) -> frozenset[str]:
        return frozenset(self.exempt_roles)


class ClassifierConfig(ConfigModel):
    # first_messages: only a member's first N messages are judged (tg-spam's default); all: every
    apply_to: Literal["first_messages", "all"] = "first_messages"
    first_messages: PositiveInt = 5
    similarity_threshold: confloat(gt=0, le=1.01) = 0.8  # type: ignore[valid-type]
    probability_threshold: confloat(gt=0, le=1) = 0.9999  # type: ignore[valid-type]
    # a folder with spam_en.txt / spam_zh.txt / ham.txt; default: the built-in seed samples
    samples_dir: Path | None = None

    @property
    def settings(self) -> ClassifierSettings:
        return ClassifierSettings(
            similarity_threshold=self.similarity_threshold,
            probability_threshold=self.probability_threshold,
        )

    @field_validator("samples_dir")
    @classmethod
    def _exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"samples_dir {str(value)!r} is not a folder")
        return value


class Raid(ConfigModel):
    enabled: bool = True
    joins: PositiveInt = 10  # this many joins ...
    window: PositiveDuration = timedelta(minutes=1)  # ... within this time start raid mode
    # raid mode ends by itself once no surge has been seen for this long
    quiet_period: PositiveDuration = timedelta(minutes=10)
    # what happens to members who join during a raid
    newcomers: Literal["timeout", "kick", "none"] = "timeout"
    restrict_for: PositiveDuration = timedelta(hours=1)
    alert: bool = True

    @field_validator("restrict_for")
    @classmethod
    def _at_most_28_days(cls, value: timedelta) -> timedelta:
        if value > timedelta(days=28):
            raise ValueError("a timeout lasts at most 28 days (Discord's limit)")
        return value


class AntispamConfig(SectionConfig):
    rules: list[SpamRule] = Field(default_factory=list)
    classifier: ClassifierConfig = Field(default_factory=ClassifierConfig)
    raid: Raid = Field(default_factory=Raid)
    # what /spam does besides learning the sample
    spam_command: Actions = Field(default_factory=lambda: Actions(delete=True, ban=True))
    # longer messages are judged on their first this-many characters (never crashed on)
    max_scan_chars: PositiveInt = 20_000

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: list[SpamRule]) -> list[SpamRule]:
        seen: set[str] = set()
        for spam_rule in rules:
            if spam_rule.name in seen:
                raise ValueError(f"two rules are named {spam_rule.name!r}; names must differ")
            seen.add(spam_rule.name)
        return rules

    @cached_property
    def uses_classifier(self) -> bool:
        return any(r.triggers.classifier for r in self.rules)

    @cached_property
    def plan(self) -> Compiled:
        """The rules compiled for the common message (`rules.Compiled`): once per playbook
        version, shared by every community that runs it (not one copy each)."""
        from rules.antispam.rules import Compiled  # that module imports this one

        return Compiled.of(self)

    @cached_property
    def window_horizon(self) -> timedelta:
        """How far back the rules' flood and duplicates windows look: the members' windows
        keep nothing older (zero: no rule counts messages)."""
        spans = [t.flood.window for r in self.rules if (t := r.triggers).flood]
        spans += [t.duplicates.window for r in self.rules if (t := r.triggers).duplicates]
        return max(spans, default=timedelta(0))
