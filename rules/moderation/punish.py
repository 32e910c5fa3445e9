"""Turning "this member did X" into actions, cases and escalation — shared by the automatic
rules (anti-spam) and the moderator commands. Pure: the caller passes what it loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.actions import Action, AlertModerators, Ban, DeleteMessage, Kick, Reply, Timeout, Warn
from bot.configmodel import format_duration
from bot.rule import CommunityView, Patch
from rules.moderation.config import ModerationConfig
from rules.moderation.patches import OpenCases, RevokePoints
from rules.moderation.store import CaseDraft

EXCERPT = 300


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
    extra_alert: str | None = None  # a rule's own alert text


@dataclass(frozen=True, slots=True)
class Plan:
    actions: list[Action] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # e.g. ["#3 warn", "#4 timeout 10m"]


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plan_punishment(
    offense: Offense,
    punishment: Punishment,
    *,
    cfg: ModerationConfig,
    view: CommunityView,
    now: datetime,
    next_case: int,
    active_weight: int,
) -> Plan:
    """Actions in a sensible order (delete, reply, warn, escalation, timeout/kick/ban, alert),
    one numbered case for each punitive action, written before any of them runs."""
    texts = view.texts
    by = offense.actor_id or offense.rule or "qunbot"
    evidence = excerpt(offense.evidence) or None
    actions: list[Action] = []
    drafts: list[CaseDraft] = []
    summary: list[str] = []

    def case(action: str, reason: str, **extra: object) -> int:
        number = next_case + len(drafts)
        drafts.append(CaseDraft(
            number=number, user_id=offense.user_id, action=action, reason=reason,
            actor_id=offense.actor_id, rule=offense.rule, evidence=evidence,
            channel_id=offense.channel_id, message_id=offense.message_id, **extra,  # type: ignore[arg-type]
        ))  # fmt: skip
        duration = extra.get("duration_seconds")
        label = f" {format_duration(timedelta(seconds=int(duration)))}" if duration else ""
        summary.append(f"#{number} {texts.case_type(action)}{texts.duration(label)}")
        return number

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
        if offense.rule:  # an automatic deletion is a case; a moderator's /purge is not
            case("delete", offense.reason)
    if punishment.reply:
        actions.append(
            Reply(channel_id=offense.channel_id, text=punishment.reply, user_id=offense.user_id)
        )
    timeout, kick, ban = punishment.timeout, punishment.kick, punishment.ban
    ban_until: datetime | None = None
    escalation = ""
    if punishment.warn:
        weight = punishment.warn
        case("warn", offense.reason, weight=weight, expires_at=now + cfg.warnings.expire_after)
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
    reason = f"{offense.reason}; {escalation}" if escalation else offense.reason
    if ban:
        seconds = int((ban_until - now).total_seconds()) if ban_until else None
        case("ban", reason, duration_seconds=seconds, ends_at=ban_until)
        actions.append(
            Ban(
                user_id=offense.user_id,
                reason=reason,
                until=ban_until,
                delete_message_seconds=punishment.ban_delete_seconds,
            )
        )
    elif kick:
        case("kick", reason)
        actions.append(Kick(user_id=offense.user_id, reason=reason))
    elif timeout:
        until = now + timeout
        case("timeout", reason, duration_seconds=int(timeout.total_seconds()), ends_at=until)
        actions.append(Timeout(user_id=offense.user_id, reason=reason, until=until))
    if drafts:
        patches.insert(0, OpenCases(tuple(drafts), now))
    alert_lines: list[str] = []
    if punishment.extra_alert:
        alert_lines.append(punishment.extra_alert)
    if cfg.log_cases and view.settings.mod_log_channel:
        for draft in drafts:
            duration = (
                f" · {format_duration(timedelta(seconds=draft.duration_seconds))}"
                if draft.duration_seconds
                else ""
            )
            alert_lines.append(texts.get(
                "mod.case_log", number=draft.number, action=draft.action,
                member=offense.member_name, by=by, duration=duration, reason=draft.reason,
                evidence=f"\n> {evidence}" if evidence else "",
            ))  # fmt: skip
    if alert_lines and (punishment.alert or (cfg.log_cases and view.settings.mod_log_channel)):
        actions.append(AlertModerators(text="\n".join(alert_lines), user_id=offense.user_id))
    return Plan(actions, patches, [d.number for d in drafts], summary)
