"""Pure trigger checks: given a message and what the loader gathered, does a rule fire, and
why — in words a moderator reads in /automod explain."""

from __future__ import annotations

import re
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


def domains(folded: str) -> list[str]:
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
    written = {m.lstrip("@") for m in _TEXT_MENTION.findall(event.text[:20_000])}
    return len(set(event.mentions) | written)


def longest_run(text: str) -> tuple[int, str]:
    best, best_char, run, previous = 0, "", 0, ""
    for ch in text:
        run = run + 1 if ch == previous else 1
        previous = ch
        if run > best and not ch.isspace():
            best, best_char = run, ch
    return best, best_char


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check(
    rule: SpamRule, event: MessagePosted, text: str, norm: Normalized, ctx: Context, now: datetime
) -> tuple[str | None, list[str]]:
    """(why it fires, or None; and why each trigger did not)."""
    t = rule.triggers
    edited = isinstance(event, MessageEdited)
    misses: list[str] = []
    if t.flood and not edited:
        since = now - t.flood.window
        same = [
            r
            for r in ctx.recent
            if r.at > since and (not t.flood.per_channel or r.channel_id == event.channel_id)
        ]
        count = len(same) + 1
        where = " in this channel" if t.flood.per_channel else ""
        if count >= t.flood.messages:
            return f"flood: {count} messages in {format_duration(t.flood.window)}{where}", []
        misses.append(f"flood {count}/{t.flood.messages}")
    if t.duplicates and not edited:
        mark = fingerprint(norm)
        if len(mark) >= t.duplicates.min_length:
            since = now - t.duplicates.window
            count = 1 + sum(1 for r in ctx.recent if r.at > since and r.fingerprint == mark)
            if count >= t.duplicates.count:
                return (
                    f"duplicates: the same text {count} times in "
                    f"{format_duration(t.duplicates.window)}"
                ), []
            misses.append(f"duplicates {count}/{t.duplicates.count}")
    if t.mentions:
        count = mention_count(event)
        if count > t.mentions.max:
            return f"mention spam: {count} mentions (limit {t.mentions.max})", []
        misses.append(f"mentions {count}/{t.mentions.max}")
    if t.links:
        for domain in domains(norm.folded):
            if _listed(domain, t.links.allow_domains):
                continue
            if _listed(domain, t.links.deny_domains):
                return f"link to a denied domain: {domain}", []
            if t.links.any:
                return f"link to {domain}, which is not on the allow list", []
        if t.links.invites:
            invite = _INVITE.search(norm.folded)
            if invite:
                return f"invite link: {invite.group()}", []
        misses.append("no forbidden link")
    # the compiled matchers are pydantic private attributes (slow to read): only when used
    matcher = rule.keyword_matcher if t.keywords else None
    if matcher is not None:
        found = matcher.first(text, norm)
        if found:
            how = "" if found.text == found.keyword else f" (written {_short(found.text)!r})"
            return f"keyword {found.keyword!r}{how}", []
        misses.append("no keyword")
    if t.regex:
        for regex in rule.regexes:
            span = regex.search(norm.folded)
            if span:
                found_text = _short(norm.folded[span[0] : span[1]])
                return f"regex {regex.pattern!r} matched {found_text!r}", []
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
        misses.append(scored.explain())
    if t.caps:
        letters = _LETTER.findall(text)
        cased = [c for c in letters if c.lower() != c.upper()]
        upper = sum(1 for c in cased if c.isupper())
        if len(cased) >= t.caps.min_letters and upper / len(cased) >= t.caps.ratio:
            return f"caps: {upper} of {len(cased)} letters are capitals", []
        misses.append("not shouting")
    if t.emoji:
        count = count_emoji(text)
        if count > t.emoji.max:
            return f"emoji spam: {count} emoji (limit {t.emoji.max})", []
        misses.append(f"emoji {count}/{t.emoji.max}")
    if t.repeated_chars:
        run, ch = longest_run(text)
        if run > t.repeated_chars.max_run:
            return f"repeated characters: {ch!r} {run} times in a row", []
        misses.append(f"longest run {run}")
    if t.newcomer:
        why = _newcomer_breach(t.newcomer, event, norm, ctx, now, t.ads)
        if why:
            return why, []
        misses.append("no newcomer restriction broken")
    if t.classifier:
        if ctx.verdict is None:
            misses.append("classifier not applied (member past their first messages)")
        elif ctx.verdict.is_spam:
            return f"classifier: {ctx.verdict.reasons}", []
        else:
            misses.append(f"classifier: {ctx.verdict.reasons}")
    return None, misses


def _newcomer_breach(
    cfg: Newcomer,
    event: MessagePosted,
    norm: Normalized,
    ctx: Context,
    now: datetime,
    ads: Ads | None = None,
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
        hosts, invite = domains(norm.folded), _INVITE.search(norm.folded)
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
    if cfg.mentions and mention_count(event):
        return f"newcomer mention ({when})"
    if cfg.forwards and event.is_forward:
        source = event.forwarded_from
        if source is None or source not in cfg.trusted_channels:
            return f"newcomer forward from {source or 'an unknown source'} ({when})"
    if cfg.as_channel and event.sender_chat:
        return f"newcomer posting as a channel ({event.sender_chat}, {when})"
    return None
