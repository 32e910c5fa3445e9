"""Pure trigger checks: given a message and what the loader gathered, does a rule fire, and
why — in words a moderator reads in /automod explain."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import ahocorasick

from bot.configmodel import format_duration
from bot.events import MessageEdited, MessagePosted
from bot.frozen import quick_init
from rules.antispam.adscore import Ads
from rules.antispam.adscore import score as ad_score
from rules.antispam.classifier import Verdict, count_emoji
from rules.antispam.config import Duplicates, Flood, Links, Newcomer, SpamRule
from rules.antispam.keywords import KeywordMatcher
from rules.antispam.newlinks import suspicious_link
from rules.antispam.normalize import Normalized
from rules.antispam.safe_regex import OperatorRegex

_URL = re.compile(
    r"(?:https?://|www\.)([^\s/<>\"'?#]+)"
    r"|\b((?:[a-z0-9-]+\.)+(?:com|net|org|io|gg|me|ly|cn|xyz|top|co|ru|info|biz|link|click|site"
    r"|shop|app|vip|cc|tk|ml|ga|win|bid|loan|live|online|store|club))\b",
    re.IGNORECASE,
)
_INVITE = re.compile(
    r"(?:discord(?:app)?\.(?:gg|com/invite|io)|t\.me|telegram\.(?:me|dog))/\+?[\w-]+",
    re.IGNORECASE,
)  # every match holds "discord", "t.me" or "telegram" (folded text has no capitals)
_TEXT_MENTION = re.compile(r"(?<![\w@])@\w{3,}")
_LETTER = re.compile(r"[^\W\d_]")


@quick_init
@dataclass(frozen=True, slots=True)
class Recent:
    """One earlier message of the member: when, where and its fingerprint."""

    at: datetime
    channel_id: str
    fingerprint: str


@quick_init
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
# ending; folded text has no capitals). A sentence's full stop is not one: most messages need
# no `_URL` search.
_URL_NEEDS = re.compile(r"\.[a-z]")


def domains(folded: str) -> list[str]:
    if "://" not in folded and (
        "." not in folded or not ("www." in folded or _URL_NEEDS.search(folded))
    ):
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


_PAIR = re.compile(r"(\S)\1")  # two equal characters in a row, not spaces

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

    __slots__ = ("event", "text", "norm", "edited", "_domains", "_invite", "_mentions")

    def __init__(self, event: MessagePosted, text: str, norm: Normalized) -> None:
        self.event = event
        self.text = text
        self.norm = norm
        self.edited = isinstance(event, MessageEdited)  # edits are not new messages
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
            needed = "t.me" in folded or "discord" in folded or "telegram" in folded
            self._invite = _INVITE.search(folded) if needed else None
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
    not worded (empty): the verdict of `checks(rule)`, which rule out triggers that cannot
    fire by cheap pre-checks; the verdict is the same."""
    if scan is None:
        scan = Scan(event, text, norm)
    if not explain:
        return first_firing(checks(rule), scan, ctx, now), []
    t = rule.triggers
    edited = scan.edited
    misses: list[str] = []
    if t.flood and not edited:
        flood = t.flood
        since = now - flood.window
        if flood.per_channel:
            channel = event.channel_id
            count = 1 + sum(1 for r in ctx.recent if r.at > since and r.channel_id == channel)
        else:
            count = 1 + sum(1 for r in ctx.recent if r.at > since)
        where = " in this channel" if flood.per_channel else ""
        if count >= flood.messages:
            return f"flood: {count} messages in {format_duration(flood.window)}{where}", []
        misses.append(f"flood {count}/{flood.messages}")
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
        count = scan.mentions
        if count > t.mentions.max:
            return f"mention spam: {count} mentions (limit {t.mentions.max})", []
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
        misses.append("no forbidden link")
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
        upper, cased = capitals(text)
        if cased >= t.caps.min_letters and upper / cased >= t.caps.ratio:
            return f"caps: {upper} of {cased} letters are capitals", []
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
        why = _newcomer_breach(t.newcomer, event, norm, ctx, now, t.ads, scan)
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


# -- the fast path: a rule's triggers compiled into checks ----------------------------------------

# Why one trigger fires on the message, or None. `checks(rule)` builds them once per playbook
# version with the trigger's settings bound, in the order `check` tries the triggers (the first
# that fires gives the reason), so a message runs only the triggers the rule has.
Check = Callable[[Scan, Context, datetime], str | None]


def checks(rule: SpamRule) -> tuple[Check, ...]:
    """The rule's triggers as `Check`s: the verdicts of `check` without the misses in words."""
    t = rule.triggers
    made: list[Check] = []
    if t.flood:
        made.append(_flood_check(t.flood))
    if t.duplicates:
        made.append(_duplicates_check(t.duplicates))
    if t.mentions:
        made.append(_mentions_check(t.mentions.max))
    if t.links:
        made.append(_links_check(t.links))
    if t.keywords and rule.keyword_matcher is not None:
        made.append(_keywords_check(rule.keyword_matcher))
    if t.regex:
        made.append(_regex_check(rule.regexes))
    if t.ads:
        made.append(_ads_check(t.ads))
    if t.caps:
        made.append(_caps_check(t.caps.min_letters, t.caps.ratio))
    if t.emoji:
        made.append(_emoji_check(t.emoji.max))
    if t.repeated_chars:
        made.append(_repeated_check(t.repeated_chars.max_run))
    if t.newcomer:
        made.append(_newcomer_check(t.newcomer, t.ads))
    if t.classifier:
        made.append(_classifier_check)
    return tuple(made)


def first_firing(compiled: Sequence[Check], scan: Scan, ctx: Context, now: datetime) -> str | None:
    """Why the first of the rule's checks fires, or None."""
    for one in compiled:
        why = one(scan, ctx, now)
        if why is not None:
            return why
    return None


def _flood_check(flood: Flood) -> Check:
    window, needed, per_channel = flood.window, flood.messages, flood.per_channel
    where = " in this channel" if per_channel else ""

    def flood_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        recent = ctx.recent
        if len(recent) + 1 < needed or scan.edited:  # too few messages to count
            return None
        since = now - window
        if per_channel:
            channel = scan.event.channel_id
            count = 1 + sum(1 for r in recent if r.at > since and r.channel_id == channel)
        else:
            count = 1 + sum(1 for r in recent if r.at > since)
        if count >= needed:
            return f"flood: {count} messages in {format_duration(window)}{where}"
        return None

    return flood_check


def _duplicates_check(duplicates: Duplicates) -> Check:
    window, needed, min_length = duplicates.window, duplicates.count, duplicates.min_length

    def duplicates_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        recent = ctx.recent
        if len(recent) + 1 < needed or scan.edited:
            return None
        mark = fingerprint(scan.norm)
        if len(mark) < min_length:
            return None
        since = now - window
        count = 1 + sum(1 for r in recent if r.at > since and r.fingerprint == mark)
        if count >= needed:
            return f"duplicates: the same text {count} times in {format_duration(window)}"
        return None

    return duplicates_check


def _mentions_check(limit: int) -> Check:
    def mentions_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        count = scan.mentions
        return f"mention spam: {count} mentions (limit {limit})" if count > limit else None

    return mentions_check


def _links_check(links: Links) -> Check:
    allow, deny, every, invites = links.allow_domains, links.deny_domains, links.any, links.invites

    def links_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        for domain in scan.domains:
            if _listed(domain, allow):
                continue
            if _listed(domain, deny):
                return f"link to a denied domain: {domain}"
            if every:
                return f"link to {domain}, which is not on the allow list"
        if invites:
            invite = scan.invite
            if invite:
                return f"invite link: {invite.group()}"
        return None

    return links_check


def _keywords_check(matcher: KeywordMatcher) -> Check:
    def keywords_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        found = matcher.first(scan.text, scan.norm)
        if found:
            how = "" if found.text == found.keyword else f" (written {_short(found.text)!r})"
            return f"keyword {found.keyword!r}{how}"
        return None

    return keywords_check


def _regex_check(regexes: Sequence[OperatorRegex]) -> Check:
    def regex_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        folded = scan.norm.folded
        for regex in regexes:
            span = regex.search(folded)
            if span:
                return f"regex {regex.pattern!r} matched {_short(folded[span[0] : span[1]])!r}"
        return None

    return regex_check


def _ads_check(ads: Ads) -> Check:
    def ads_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        event = scan.event
        text = scan.text
        if (
            text.isascii()
            and not _NOT_PLAIN.search(text)
            and not ads.may_fire_plain(
                ads.plain_evidence(scan.norm), ctx.messages_before, event.is_forward
            )
        ):
            return None  # the long way could not reach the threshold
        scored = ad_score(
            ads,
            scan.norm,
            messages_before=ctx.messages_before,
            is_forward=event.is_forward,
            forwarded_from=event.forwarded_from,
        )
        return scored.explain() if scored.fires else None

    return ads_check


def _caps_check(min_letters: int, ratio: float) -> Check:
    def caps_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        text = scan.text
        if len(text) < min_letters or text.islower():  # too short, or not one capital
            return None
        upper, cased = capitals(text)
        if cased >= min_letters and upper / cased >= ratio:
            return f"caps: {upper} of {cased} letters are capitals"
        return None

    return caps_check


def _emoji_check(limit: int) -> Check:
    def emoji_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        text = scan.text
        if text.isascii():  # every emoji is outside ASCII
            return None
        count = count_emoji(text)
        return f"emoji spam: {count} emoji (limit {limit})" if count > limit else None

    return emoji_check


def _repeated_check(max_run: int) -> Check:
    run_of = _run_of(max_run)
    # A run longer than `max_run` covers two characters `step` apart at multiples of `step`:
    # every `step`-th character, a far shorter text, shows two equal ones in a row first.
    step = (max_run + 1) // 2

    def repeated_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        text = scan.text
        if len(text) <= max_run or not _PAIR.search(text[::step]) or not run_of.search(text):
            return None
        run, ch = longest_run(text)
        return f"repeated characters: {ch!r} {run} times in a row" if run > max_run else None

    return repeated_check


def _newcomer_check(newcomer: Newcomer, ads: Ads | None) -> Check:
    first_messages, first_hours = newcomer.first_messages, timedelta(hours=newcomer.first_hours)

    def newcomer_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
        joined = ctx.joined_at
        late = joined is None or now - joined >= first_hours
        if late and ctx.messages_before >= first_messages:
            return None  # neither early nor recently joined: no restriction applies
        return _newcomer_breach(newcomer, scan.event, scan.norm, ctx, now, ads, scan)

    return newcomer_check


def _classifier_check(scan: Scan, ctx: Context, now: datetime) -> str | None:
    verdict = ctx.verdict
    return f"classifier: {verdict.reasons}" if verdict is not None and verdict.is_spam else None


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
    breach = _breach(cfg, event, norm, ads, scan, ctx.verdict)
    if breach is None:
        return None
    when = (
        f"message {ctx.messages_before + 1} of their first {cfg.first_messages}"
        if early
        else f"within {cfg.first_hours}h of joining"
    )
    return f"{breach[0]}{when}{breach[1]}"


def _breach(
    cfg: Newcomer,
    event: MessagePosted,
    norm: Normalized,
    ads: Ads | None,
    scan: Scan | None,
    verdict: Verdict | None = None,
) -> tuple[str, str] | None:
    """The restriction a newcomer's message breaks, as the words before and after when."""
    if cfg.links != "off":
        if scan is None:
            scan = Scan(event, event.text, norm)
        hosts, invite = scan.domains, scan.invite
        if cfg.links == "any" and (hosts or invite):
            return "newcomer link (", ")"
        if cfg.links == "suspicious" and (hosts or invite):
            why = suspicious_link(
                norm,
                hosts,
                invite.group() if invite else None,
                cfg.trusted_domains,
                cfg.link_evidence,
                ads,
                verdict.probability if verdict is not None else None,
                cfg.link_classifier,
            )
            if why:
                return "newcomer link (", f"): {why}"
    if cfg.media and event.attachments:
        return "newcomer media (", ")"
    if cfg.media_only and event.attachments and not event.text.strip():
        return "newcomer media-only message (", ")"
    if cfg.mentions and (scan.mentions if scan is not None else mention_count(event)):
        return "newcomer mention (", ")"
    if cfg.forwards and event.is_forward:
        source = event.forwarded_from
        if source is None or source not in cfg.trusted_channels:
            return f"newcomer forward from {source or 'an unknown source'} (", ")"
    if cfg.as_channel and event.sender_chat:
        return f"newcomer posting as a channel ({event.sender_chat}, ", ")"
    return None


# -- the plan's gate: every rule's triggers ruled out at once -------------------------------------

# True only when no trigger of any of the plan's rules fires on the message, scopes and
# cooldowns aside (the caller has them); False: ask each rule's checks. One pass for the
# common chat line instead of a dozen checks (issue 10).
Gate = Callable[[Scan, Context, datetime], bool]

# In ASCII text, what may make the keyword matchers and the ad score look beyond the spaced
# form (leetspeak, numbers: contacts, prices, short codes)
_NOT_PLAIN = re.compile(r"[0-9@$]")
_KNOWN_TRIGGERS = frozenset({
    "flood", "duplicates", "mentions", "links", "keywords", "regex", "caps", "emoji",
    "repeated_chars", "newcomer", "classifier", "ads",
})  # fmt: skip


def quiet_gate(rules: Sequence[SpamRule]) -> Gate | None:
    """The rules' `Gate`, or None when one of them has a trigger the gate does not know.

    For ASCII text every trigger is ruled out by the facts its own check starts from: too few
    recent messages or else the flood and duplicates checks themselves, a member past their
    first messages and hours, or a newcomer's message breaking none of the restrictions
    (newcomer), no verdict of spam (classifier), no link, few mentions, and the caps,
    repeated-characters and regex checks' own tests. The keyword matchers and the ad score —
    the costly checks — are asked only when the text has digits, "@" or "$", or a newcomer
    forwards, or else (they look only in the spaced form) when one automaton pass finds words
    that may fire them (`Ads.may_fire_plain`). ASCII has no emoji
    and no disguise. `test_gate.py` holds the gate to the checks' verdicts on every corpus."""
    crowd = 0  # the fewest messages a flood or duplicates trigger counts ...
    crowd_checks: list[Check] = []  # ... and those checks, asked when there are as many
    first_messages, first_hours = -1, timedelta(0)  # the longest newcomer restriction ...
    new_links = new_media = new_mentions = new_forwards = new_channel = False  # ... and what
    ads_first = 0  # forwards weigh as ad evidence in a member's first this-many messages
    classifier = False
    mentions = -1  # the lowest mention limit
    links: list[Links] = []
    caps: list[tuple[int, float]] = []
    max_run = 0  # the shortest run of equal characters a repeated_chars trigger allows
    regexes: list[OperatorRegex] = []
    words: set[str] = set()  # what the keyword matchers and the ad score look for ...
    word_checks: list[Check] = []  # ... and their checks, asked when a word is there
    # ... or, in plain text (ASCII without `_NOT_PLAIN`), when the words found may fire them
    plain_checks: list[tuple[Callable[[set[str], Context, bool], bool], Check]] = []
    for rule in rules:
        t = rule.triggers
        if any(getattr(t, name) for name in type(t).model_fields if name not in _KNOWN_TRIGGERS):
            return None
        for needed in (
            t.flood.messages if t.flood else 0,
            t.duplicates.count if t.duplicates else 0,
        ):
            if needed:
                crowd = min(crowd, needed) if crowd else needed
        if t.flood:
            crowd_checks.append(_flood_check(t.flood))
        if t.duplicates:
            crowd_checks.append(_duplicates_check(t.duplicates))
        if t.newcomer:
            new = t.newcomer
            first_messages = max(first_messages, new.first_messages)
            first_hours = max(first_hours, timedelta(hours=new.first_hours))
            new_links = new_links or new.links != "off"
            new_media = new_media or new.media or new.media_only
            new_mentions = new_mentions or new.mentions
            new_forwards = new_forwards or new.forwards
            new_channel = new_channel or new.as_channel
        if t.ads:
            ads_first = max(ads_first, t.ads.first_messages)
            words |= t.ads.evidence_words
            word_checks.append(_ads_check(t.ads))
            plain_checks.append((_ads_may_fire(t.ads), word_checks[-1]))
        classifier = classifier or t.classifier
        if t.mentions:
            mentions = min(mentions, t.mentions.max) if mentions >= 0 else t.mentions.max
        if t.links:
            links.append(t.links)
        if t.caps:
            caps.append((t.caps.min_letters, t.caps.ratio))
        if t.repeated_chars:
            max_run = (
                min(max_run, t.repeated_chars.max_run) if max_run else t.repeated_chars.max_run
            )
        regexes += rule.regexes if t.regex else ()
        if t.keywords and rule.keyword_matcher is not None:
            words |= rule.keyword_matcher.word_keys
            word_checks.append(_keywords_check(rule.keyword_matcher))
            plain_checks.append((_keywords_may_fire(rule.keyword_matcher), word_checks[-1]))
    automaton = None
    if words:
        automaton = ahocorasick.Automaton()
        for word in words:
            automaton.add_word(word, word)
        automaton.make_automaton()
    invites = any(links_cfg.invites for links_cfg in links)
    restricted = (new_links, new_media, new_mentions, new_forwards, new_channel)
    run_of = _run_of(max_run) if max_run else None
    step = (max_run + 1) // 2

    def gate(scan: Scan, ctx: Context, now: datetime) -> bool:
        text = scan.text
        event = scan.event
        if text is not event.text or not text.isascii():  # a cut text: mentions count on
            return False
        # a member who talks a lot: count as the flood and duplicates checks do
        if crowd and len(ctx.recent) + 1 >= crowd and not scan.edited:
            for one in crowd_checks:
                if one(scan, ctx, now) is not None:
                    return False
        # every link and invite `_URL` and `_INVITE` find holds a "." or "://"
        linkless = "." not in text and ":" not in text
        if first_messages >= 0:
            joined = ctx.joined_at
            if (
                ctx.messages_before < first_messages
                or (joined is not None and now - joined < first_hours)
            ) and _may_breach(scan, restricted, linkless):
                return False
        if classifier and ctx.verdict is not None and ctx.verdict.is_spam:
            return False
        # the keyword and ad checks are asked only when there is something for them to read
        if word_checks:
            if _NOT_PLAIN.search(text) or (
                ads_first and event.is_forward and ctx.messages_before < ads_first
            ):
                for one in word_checks:
                    if one(scan, ctx, now) is not None:
                        return False
            elif automaton is not None:
                hits = automaton.iter(scan.norm.spaced)
                first = next(hits, None)  # most lines: none (no set to build)
                if first is not None:  # plain text: only a check its words may fire is asked
                    found = {first[1], *(word for _, word in hits)}
                    forward = event.is_forward
                    for may_fire, one in plain_checks:
                        if may_fire(found, ctx, forward) and one(scan, ctx, now) is not None:
                            return False
        if mentions >= 0 and (event.mentions or "@" in text) and scan.mentions > mentions:
            return False
        if links and not linkless and (scan.domains or (invites and scan.invite)):
            return False
        if caps:
            raw = text.encode()
            upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
            for min_letters, ratio in caps:
                # firing takes `ratio` of at least `min_letters` letters in capitals
                if upper >= ratio * min_letters:
                    upper_count, cased = capitals(text)
                    if cased >= min_letters and upper_count / cased >= ratio:
                        return False
        if (
            run_of is not None
            and len(text) > max_run
            and _PAIR.search(text[::step])
            and run_of.search(text)
        ):
            return False
        if regexes:
            folded = scan.norm.folded
            if any(regex.search(folded) for regex in regexes):
                return False
        return True

    return gate


def _ads_may_fire(ads: Ads) -> Callable[[set[str], Context, bool], bool]:
    def ads_may_fire(found: set[str], ctx: Context, forward: bool) -> bool:
        return ads.may_fire_plain(found, ctx.messages_before, forward)

    return ads_may_fire


def _keywords_may_fire(matcher: KeywordMatcher) -> Callable[[set[str], Context, bool], bool]:
    keys = matcher.word_keys  # in plain text `first` looks for these in the spaced form only

    def keywords_may_fire(found: set[str], ctx: Context, forward: bool) -> bool:
        return not keys.isdisjoint(found)

    return keywords_may_fire


def _may_breach(
    scan: Scan, restricted: tuple[bool, bool, bool, bool, bool], linkless: bool
) -> bool:
    """Whether a newcomer's message may break one of the `restricted` (links, media, mentions,
    forwards, posting as a channel): what `_breach` tests first."""
    links, media, mentions, forwards, channel = restricted
    event = scan.event
    return bool(
        (links and not linkless and (scan.domains or scan.invite))
        or (media and event.attachments)
        or (mentions and scan.mentions)
        or (forwards and event.is_forward)
        or (channel and event.sender_chat)
    )
