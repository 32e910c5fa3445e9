"""Pure trigger checks: given a message and what the loader gathered, does a rule fire, and
why — in words a moderator reads in /automod explain."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.configmodel import format_duration
from bot.events import MessageEdited, MessagePosted
from rules.antispam.adscore import Ads
from rules.antispam.adscore import score as ad_score
from rules.antispam.classifier import Verdict, count_emoji
from rules.antispam.config import Newcomer, SpamRule
from rules.antispam.newlinks import suspicious_link
from rules.antispam.normalize import Normalized

_URL = re.compile(
    r"(?:https?://|www\.)([^\s/<>\"'?#]+)"
    r"|\b((?:[a-z0-9-]+\.)+(?:com|net|org|io|gg|me|ly|cn|xyz|top|co|ru|info|biz|link|click|site"
    r"|shop|app|vip|cc|tk|ml|ga|win|bid|loan|live|online|store|club))\b",
    re.IGNORECASE,
)
_INVITE = re.compile(
    r"(?:discord(?:app)?\.(?:gg|com/invite|io)|t\.me|telegram\.(?:me|dog))/\+?[\w-]+",
    re.IGNORECASE,
)
_TEXT_MENTION = re.compile(r"(?<![\w@])@\w{3,}")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Recent:
    """One earlier message of the member: when, where and its fingerprint."""

    at: datetime
    channel_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Context:
    """What a trigger may know beyond the message: gathered by the loader."""

    recent: tuple[Recent, ...]  # the member's earlier messages (not this one), oldest first
    messages_before: int  # how many messages the member posted before this one
    joined_at: datetime | None
    newcomer: bool  # inside welcome.newcomer_window
    verdict: Verdict | None  # the classifier's, when it applies to this message


def fingerprint(norm: Normalized) -> str:
    return norm.compact[:500]


# What every match of `_URL` holds: a scheme, "www." or a dot before a letter (a domain's
# ending). A sentence's full stop is not one: most messages need no `_URL` search.
_URL_NEEDS = re.compile(r"://|www\.|\.[a-z]", re.IGNORECASE)


def domains(folded: str) -> list[str]:
    if "://" not in folded and ("." not in folded or not _URL_NEEDS.search(folded)):
        return []
    found = []
    for match in _URL.finditer(folded):
        if match.start() and folded[match.start() - 1] == "@":
            continue  # an e-mail address, not a link
        host = (match.group(1) or match.group(2) or "").lower().split(":")[0].strip(".")
        found.append(host.removeprefix("www."))
    return found


def _listed(domain: str, listed: Sequence[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in listed)


def mention_count(event: MessagePosted) -> int:
    text = event.text[:20_000]
    if not event.mentions and "@" not in text:
        return 0
    written = {m.lstrip("@") for m in _TEXT_MENTION.findall(text)}
    return len(set(event.mentions) | written)


def longest_run(text: str) -> tuple[int, str]:
    best, best_char, run, previous = 0, "", 0, ""
    for ch in text:
        run = run + 1 if ch == previous else 1
        previous = ch
        if run > best and not ch.isspace():
            best, best_char = run, ch
    return best, best_char


@functools.cache
def _run_of(length: int) -> re.Pattern[str]:
    """A run of more than `length` equal characters that are not spaces (as `longest_run`
    counts them): one C-speed search decides most messages."""
    return re.compile(r"(\S)\1{" + str(length) + "}")


_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_UPPER = string.ascii_uppercase.encode()


def capitals(text: str) -> tuple[int, int]:
    """(capital letters, letters that have a case) in `text`."""
    if text.isascii():  # every ASCII letter has a case; counted at C speed
        raw = text.encode("ascii")
        size = len(raw)
        return size - len(raw.translate(None, _ASCII_UPPER)), size - len(
            raw.translate(None, _ASCII_LETTERS)
        )
    cased = [c for c in _LETTER.findall(text) if c.lower() != c.upper()]
    return sum(1 for c in cased if c.isupper()), len(cased)


class Scan:
    """What the triggers read of one message, each part computed once and only when asked
    (the links of the folded text, the invite, the mentions): several rules look at the same
    message, and a plain chat line never needs most of it."""

    __slots__ = ("event", "text", "norm", "_domains", "_invite", "_mentions")

    def __init__(self, event: MessagePosted, text: str, norm: Normalized) -> None:
        self.event = event
        self.text = text
        self.norm = norm
        self._domains: list[str] | None = None
        self._invite: re.Match[str] | None | bool = False
        self._mentions = -1

    @property
    def domains(self) -> list[str]:
        if self._domains is None:
            self._domains = domains(self.norm.folded)
        return self._domains

    @property
    def invite(self) -> re.Match[str] | None:
        if self._invite is False:
            folded = self.norm.folded
            self._invite = _INVITE.search(folded) if "." in folded else None
        return self._invite  # type: ignore[return-value]

    @property
    def mentions(self) -> int:
        if self._mentions < 0:
            self._mentions = mention_count(self.event)
        return self._mentions


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check(
    rule: SpamRule,
    event: MessagePosted,
    text: str,
    norm: Normalized,
    ctx: Context,
    now: datetime,
    *,
    explain: bool = True,
    scan: Scan | None = None,
) -> tuple[str | None, list[str]]:
    """(why it fires, or None; and why each trigger did not). Without `explain` the misses are
    not worded (empty) and triggers that cannot fire are ruled out by cheap pre-checks; the
    verdict is the same."""
    t = rule.triggers
    if scan is None:
        scan = Scan(event, text, norm)
    edited = isinstance(event, MessageEdited)
    misses: list[str] = []
    if t.flood and not edited:
        flood = t.flood
        since = now - flood.window
        if not ctx.recent:
            count = 1
        elif flood.per_channel:
            channel = event.channel_id
            count = 1 + sum(1 for r in ctx.recent if r.at > since and r.channel_id == channel)
        else:
            count = 1 + sum(1 for r in ctx.recent if r.at > since)
        where = " in this channel" if flood.per_channel else ""
        if count >= flood.messages:
            return f"flood: {count} messages in {format_duration(flood.window)}{where}", []
        if explain:
            misses.append(f"flood {count}/{flood.messages}")
    if t.duplicates and not edited:
        mark = fingerprint(norm)
        if len(mark) >= t.duplicates.min_length:
            since = now - t.duplicates.window
            recent = ctx.recent
            count = 1 + (
                sum(1 for r in recent if r.at > since and r.fingerprint == mark) if recent else 0
            )
            if count >= t.duplicates.count:
                return (
                    f"duplicates: the same text {count} times in "
                    f"{format_duration(t.duplicates.window)}"
                ), []
            if explain:
                misses.append(f"duplicates {count}/{t.duplicates.count}")
    if t.mentions:
        count = scan.mentions
        if count > t.mentions.max:
            return f"mention spam: {count} mentions (limit {t.mentions.max})", []
        if explain:
            misses.append(f"mentions {count}/{t.mentions.max}")
    if t.links:
        for domain in scan.domains:
            if _listed(domain, t.links.allow_domains):
                continue
            if _listed(domain, t.links.deny_domains):
                return f"link to a denied domain: {domain}", []
            if t.links.any:
                return f"link to {domain}, which is not on the allow list", []
        if t.links.invites:
            invite = scan.invite
            if invite:
                return f"invite link: {invite.group()}", []
        if explain:
            misses.append("no forbidden link")
    # the compiled matchers are pydantic private attributes (slow to read): only when used
    matcher = rule.keyword_matcher if t.keywords else None
    if matcher is not None:
        found = matcher.first(text, norm)
        if found:
            how = "" if found.text == found.keyword else f" (written {_short(found.text)!r})"
            return f"keyword {found.keyword!r}{how}", []
        if explain:
            misses.append("no keyword")
    if t.regex:
        for regex in rule.regexes:
            span = regex.search(norm.folded)
            if span:
                found_text = _short(norm.folded[span[0] : span[1]])
                return f"regex {regex.pattern!r} matched {found_text!r}", []
        if explain:
            misses.append("no regex match")
    if t.ads:
        scored = ad_score(
            t.ads,
            norm,
            messages_before=ctx.messages_before,
            is_forward=event.is_forward,
            forwarded_from=event.forwarded_from,
        )
        if scored.fires:
            return scored.explain(), []
        if explain:
            misses.append(scored.explain())
    if t.caps and (explain or len(text) >= t.caps.min_letters):
        upper, cased = capitals(text)
        if cased >= t.caps.min_letters and upper / cased >= t.caps.ratio:
            return f"caps: {upper} of {cased} letters are capitals", []
        if explain:
            misses.append("not shouting")
    if t.emoji and (explain or not text.isascii()):  # every emoji is outside ASCII
        count = count_emoji(text)
        if count > t.emoji.max:
            return f"emoji spam: {count} emoji (limit {t.emoji.max})", []
        if explain:
            misses.append(f"emoji {count}/{t.emoji.max}")
    if t.repeated_chars and (explain or _run_of(t.repeated_chars.max_run).search(text)):
        run, ch = longest_run(text)
        if run > t.repeated_chars.max_run:
            return f"repeated characters: {ch!r} {run} times in a row", []
        if explain:
            misses.append(f"longest run {run}")
    if t.newcomer:
        why = _newcomer_breach(t.newcomer, event, norm, ctx, now, t.ads, scan)
        if why:
            return why, []
        if explain:
            misses.append("no newcomer restriction broken")
    if t.classifier:
        if ctx.verdict is None:
            if explain:
                misses.append("classifier not applied (member past their first messages)")
        elif ctx.verdict.is_spam:
            return f"classifier: {ctx.verdict.reasons}", []
        elif explain:
            misses.append(f"classifier: {ctx.verdict.reasons}")
    return None, misses


def _newcomer_breach(
    cfg: Newcomer,
    event: MessagePosted,
    norm: Normalized,
    ctx: Context,
    now: datetime,
    ads: Ads | None = None,
    scan: Scan | None = None,
) -> str | None:
    early = ctx.messages_before < cfg.first_messages
    recent_join = ctx.joined_at is not None and now - ctx.joined_at < timedelta(
        hours=cfg.first_hours
    )
    if not (early or recent_join):
        return None
    when = (
        f"message {ctx.messages_before + 1} of their first {cfg.first_messages}"
        if early
        else f"within {cfg.first_hours}h of joining"
    )
    if cfg.links != "off":
        if scan is None:
            scan = Scan(event, event.text, norm)
        hosts, invite = scan.domains, scan.invite
        if cfg.links == "any" and (hosts or invite):
            return f"newcomer link ({when})"
        if cfg.links == "suspicious" and (hosts or invite):
            why = suspicious_link(
                norm,
                hosts,
                invite.group() if invite else None,
                cfg.trusted_domains,
                cfg.link_evidence,
                ads,
            )
            if why:
                return f"newcomer link ({when}): {why}"
    if cfg.media and event.attachments:
        return f"newcomer media ({when})"
    if cfg.media_only and event.attachments and not event.text.strip():
        return f"newcomer media-only message ({when})"
    if cfg.mentions and (scan.mentions if scan is not None else mention_count(event)):
        return f"newcomer mention ({when})"
    if cfg.forwards and event.is_forward:
        source = event.forwarded_from
        if source is None or source not in cfg.trusted_channels:
            return f"newcomer forward from {source or 'an unknown source'} ({when})"
    if cfg.as_channel and event.sender_chat:
        return f"newcomer posting as a channel ({event.sender_chat}, {when})"
    return None
