"""Turning "this member did X" into actions, cases and escalation — shared by the automatic
rules (anti-spam) and the moderator commands. Pure: the caller passes what it loaded."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, AlertModerators, Ban, DeleteMessage, Kick, Reply, Timeout, Warn
from bot.configmodel import format_duration
from bot.rule import CommunityView, Patch
from rules.moderation.config import ModerationConfig
from rules.moderation.patches import OpenCases, RevokePoints
from rules.moderation.store import CaseDraft, CaseInfo

EXCERPT = 160  # characters of a message quoted to moderators
EVIDENCE = 300  # characters of it kept with the case


@dataclass(frozen=True, slots=True)
class Offense:
    """Who is punished, for what, by whom (a moderator's id, or the rule's name)."""

    user_id: str
    member_name: str
    reason: str
    channel_id: str
    actor_id: str | None = None
    rule: str | None = None
    message_id: str | None = None
    evidence: str | None = None
    # what the member is told (e.g. the operator's rule name, in the community's language);
    # `reason` — the trigger's technical explanation — goes to the case and the moderators
    shown_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Punishment:
    delete: bool = False
    reply: str | None = None  # already rendered
    warn: int = 0  # weight; 0 = no warning
    timeout: timedelta | None = None
    kick: bool = False
    ban: bool = False
    ban_delete_seconds: int = 0
    alert: bool = False
    extra_alert: str | None = None  # a rule's own alert text (may quote, defanged)
    public_alert: str | None = None  # the same, quoting nothing, for where members read


@dataclass(frozen=True, slots=True)
class Plan:
    actions: list[Action] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # e.g. ["#3 delete + warn + timeout 10m"]


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_SCHEME = re.compile(r"\b(h)tt(ps?)(?=://)", re.IGNORECASE)
_DOTTED = re.compile(r"(?<=[\w-])\.(?=[a-z0-9-]+(?:[./:?#\s]|$))", re.IGNORECASE)


def defang(text: str) -> str:
    """Links that cannot be clicked or previewed: `https://t.me/x` → `hxxps://t[.]me/x`."""
    return _DOTTED.sub("[.]", _SCHEME.sub(r"\1xx\2", text))


def quote(text: str | None, limit: int = EXCERPT) -> str:
    """A short, defanged excerpt for moderators' eyes only."""
    return defang(excerpt(text, limit))


# the heaviest action names the case
_WEIGHT = {"delete": 0, "warn": 1, "timeout": 2, "kick": 3, "ban": 4}


@dataclass(frozen=True, slots=True)
class InForce:
    """What already restricts the member (from their open cases), so an automatic step
    never shortens a longer timeout nor replaces a ban."""

    banned: bool = False
    ban_until: datetime | None = None  # None with `banned`: permanent
    timeout_until: datetime | None = None

    @classmethod
    def of(cls, cases: Iterable[CaseInfo]) -> InForce:
        bans = [c for c in cases if c.action == "ban"]
        timeouts = [c.ends_at for c in cases if c.action == "timeout" and c.ends_at]
        permanent = any(c.ends_at is None for c in bans)
        ban_ends = [c.ends_at for c in bans if c.ends_at]
        return cls(
            banned=bool(bans),
            ban_until=None if permanent or not ban_ends else max(ban_ends),
            timeout_until=max(timeouts) if timeouts else None,
        )

    def covers_timeout(self, until: datetime) -> str:
        """Why a timeout until `until` would change nothing or shorten one ("" if it helps)."""
        if self.banned:
            return "the member is banned"
        if self.timeout_until is not None and self.timeout_until >= until:
            return f"a longer timeout is in force (until {self.timeout_until:%Y-%m-%d %H:%M} UTC)"
        return ""

    def covers_ban(self, until: datetime | None) -> str:
        if not self.banned:
            return ""
        if self.ban_until is None:
            return "the member is already banned for good"
        if until is not None and self.ban_until >= until:
            return f"a longer ban is in force (until {self.ban_until:%Y-%m-%d %H:%M} UTC)"
        return ""


def plan_punishment(
    offense: Offense,
    punishment: Punishment,
    *,
    cfg: ModerationConfig,
    view: CommunityView,
    now: datetime,
    next_case: int,
    active_weight: int,
    in_force: InForce | None = None,
) -> Plan:
    """Actions in a sensible order (delete, reply, warn, escalation, timeout/kick/ban, alert)
    and ONE numbered case for the incident that lists them all, written before any runs.

    A step the rule or the ladder adds (not one a moderator asked for by name) is left out
    when it would shorten a longer timeout or replace a ban that is in force."""
    texts = view.texts
    by = offense.actor_id or offense.rule or "qunbot"
    held = in_force or InForce()
    evidence = excerpt(offense.evidence, EVIDENCE) or None
    actions: list[Action] = []
    kinds: list[str] = []
    notes: list[str] = []
    case_fields: dict[str, Any] = {}
    number = next_case

    patches: list[Patch] = []
    if punishment.delete and offense.message_id:
        actions.append(
            DeleteMessage(
                channel_id=offense.channel_id,
                message_id=offense.message_id,
                user_id=offense.user_id,
            )
        )
        patches.append(RevokePoints((offense.message_id,), now))
        if offense.rule:  # an automatic deletion is part of the case; a /purge is not
            kinds.append("delete")
    if punishment.reply:
        actions.append(
            Reply(channel_id=offense.channel_id, text=punishment.reply, user_id=offense.user_id)
        )
    timeout, kick, ban = punishment.timeout, punishment.kick, punishment.ban
    ban_until: datetime | None = None
    escalation = ""
    # a moderator's own /timeout, /kick, /ban is obeyed as asked; a rule's steps and the
    # ladder's (even after a moderator's /warn) are automatic
    asked = offense.actor_id is not None and offense.rule is None and not punishment.warn
    if punishment.warn:
        weight = punishment.warn
        kinds.append("warn")
        case_fields.update(weight=weight, expires_at=now + cfg.warnings.expire_after)
        actions.append(Warn(
            user_id=offense.user_id, reason=offense.reason, channel_id=offense.channel_id,
            weight=weight,
            text=texts.get(
                "mod.warned",
                member=offense.member_name,
                reason=offense.shown_reason or offense.reason,
            ),
        ))  # fmt: skip
        total = active_weight + weight
        step = cfg.warnings.step_crossed(active_weight, total)
        if step is not None:
            escalation = texts.get("mod.escalation", weight=total)
            if step.action == "timeout" and step.duration:
                timeout = max(timeout or timedelta(0), step.duration)
            elif step.action == "kick":
                kick = True
            elif step.action == "ban":
                ban = True
                ban_until = now + step.duration if step.duration else None
    if ban and not asked and (why := held.covers_ban(ban_until)):
        ban, notes = False, [*notes, f"no ban: {why}"]
    if kick and not asked and held.banned:
        kick, notes = False, [*notes, "no kick: the member is banned"]
    if timeout and not ban and not kick and not asked:
        why = held.covers_timeout(now + timeout)
        if why:
            timeout, notes = None, [*notes, f"no timeout: {why}"]
    reason = "; ".join(x for x in (offense.reason, escalation, *notes) if x)
    if ban:
        seconds = int((ban_until - now).total_seconds()) if ban_until else None
        kinds.append("ban")
        case_fields.update(duration_seconds=seconds, ends_at=ban_until)
        actions.append(
            Ban(
                user_id=offense.user_id,
                reason=reason,
                until=ban_until,
                delete_message_seconds=punishment.ban_delete_seconds,
            )
        )
    elif kick:
        kinds.append("kick")
        actions.append(Kick(user_id=offense.user_id, reason=reason))
    elif timeout:
        until = now + timeout
        kinds.append("timeout")
        case_fields.update(duration_seconds=int(timeout.total_seconds()), ends_at=until)
        actions.append(Timeout(user_id=offense.user_id, reason=reason, until=until))
    if not kinds:
        return Plan(actions, patches, [], [])
    main = max(kinds, key=_WEIGHT.__getitem__)
    draft = CaseDraft(
        number=number, user_id=offense.user_id, action=main, reason=reason,
        actor_id=offense.actor_id, rule=offense.rule, evidence=evidence,
        channel_id=offense.channel_id, message_id=offense.message_id, actions=tuple(kinds),
        **case_fields,
    )  # fmt: skip
    seconds = case_fields.get("duration_seconds")
    label = f" {format_duration(timedelta(seconds=int(seconds)))}" if seconds else ""
    shown = " + ".join(texts.case_type(k) for k in kinds)
    summary = [f"#{number} {shown}{texts.duration(label)}"]
    patches.insert(0, OpenCases((draft,), now, texts))
    alert = _alert(offense, punishment, draft, shown, by, cfg, view)
    if alert is not None:
        actions.append(alert)
    return Plan(actions, patches, [number], summary)


def _alert(
    offense: Offense,
    punishment: Punishment,
    draft: CaseDraft,
    shown: str,
    by: str,
    cfg: ModerationConfig,
    view: CommunityView,
) -> AlertModerators | None:
    """The moderators' alert and case log in one message. The excerpt is quoted once
    (defanged); the public form, for an alert that can only be shown where members read,
    names the member and the rule and quotes nothing."""
    texts = view.texts
    logged = cfg.log_cases and bool(view.settings.mod_log_channel)
    if not (punishment.alert or logged):
        return None
    private: list[str] = []
    public: list[str] = []
    if punishment.extra_alert:
        private.append(punishment.extra_alert)
        public.append(punishment.public_alert or "")
    if logged:
        seconds = draft.duration_seconds
        duration = f" · {format_duration(timedelta(seconds=seconds))}" if seconds else ""
        quoted = "" if punishment.extra_alert or not draft.evidence else quote(draft.evidence)
        values = {
            "number": draft.number, "action": shown, "member": offense.member_name, "by": by,
            "duration": duration, "reason": draft.reason,
        }  # fmt: skip
        private.append(
            texts.get("mod.case_log", **values, evidence=f"\n> {quoted}" if quoted else "")
        )
        public.append(texts.get("mod.case_log_public", **values))
    return AlertModerators(
        text="\n".join(private),
        user_id=offense.user_id,
        public_text="\n".join(p for p in public if p),
    )
