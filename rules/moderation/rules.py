"""Moderator commands, /report, and lifting ended timeouts — as pure rules."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, AlertModerators, DeleteMessage, RemoveTimeout, Unban
from bot.configmodel import format_duration, parse_duration
from bot.events import CommandInvoked, Event, MessagePosted, Tick
from bot.patches import FinishSteps
from bot.rule import CommunityView, Decision, Patch, RuleContext, answer, rule
from bot.store.db import unreachable
from bot.texts import Texts, plural
from rules.moderation import store as mod_store
from rules.moderation.config import ModerationConfig
from rules.moderation.patches import (
    LIFT,
    RECENT,
    REPORTS,
    ForgetMessages,
    LearnSample,
    MarkLifted,
    NoteRecentMessage,
    NoteReport,
    OpenCases,
    ReverseCase,
    RevokePoints,
)
from rules.moderation.punish import InForce, Offense, Punishment, plan_punishment, quote
from rules.moderation.store import TOP_CASE, CaseDraft, CaseInfo

PUNISH_COMMANDS = ("warn", "timeout", "kick", "ban")
RECENT_CASES = 15  # what /cases without a member lists
REVERSE_COMMANDS = {"untimeout": "timeout", "unban": "ban"}
COMMANDS = (*PUNISH_COMMANDS, *REVERSE_COMMANDS, "cases", "case", "purge", "report")


LAST_CASE = "moderation.last_case"  # memory: the highest case number handed out here


async def next_case(ctx: RuleContext) -> int:
    """The next case number: after the highest one written, as the community state holds it
    (the executor's case hook for the welcome SOP and every patch that opens a case raise it;
    a process owns its communities, so no one else writes their cases). Without that part of
    the state, from the store (one indexed MAX query)."""
    written = ctx.memory.get(TOP_CASE)
    if written is not None:
        # while the database is away, cases wait under this number too: renumbered (and
        # their texts amended) if it is taken when they are written
        return int(written) + 1
    try:
        number = await mod_store.next_case_number(ctx.store, ctx.community)
    except Exception as exc:
        if not unreachable(exc):
            raise
        # the database is away: the case waits to be written, under the number after the last
        # one this process knew (renumbered on writing if another writer took it meanwhile)
        number = ctx.memory.get(LAST_CASE, 0) + 1
    ctx.memory[LAST_CASE] = max(number, ctx.memory.get(LAST_CASE, 0))
    return number


def moderation_config(playbook: Any) -> ModerationConfig:
    cfg = getattr(playbook, "moderation", None)
    return cfg if isinstance(cfg, ModerationConfig) else ModerationConfig(enabled=False)


# -- tracking -----------------------------------------------------------------------------------


@rule("moderation.track", on=MessagePosted)
def track(
    event: MessagePosted, cfg: ModerationConfig, view: CommunityView, now: datetime
) -> Decision:
    """Remember the channel's recent message ids (for /purge). Who is staff is kept by the
    community state itself."""
    if type(event) is not MessagePosted:
        return Decision.skip("an edit is not a new message")
    patch = NoteRecentMessage(event.channel_id, event.message_id, event.author.user_id)
    return Decision(True, "remembered the message id", (), (patch,))  # `update`, made directly


async def target_standing(ctx: RuleContext, target: str | None) -> str:
    """The target's standing: from the community state, else asked of the platform; "unknown"
    when the platform cannot say (the command is then refused, never guessed)."""
    if not target:
        return "member"
    member = await ctx.state.member(target)
    if member is not None and member.standing is not None:
        return member.standing
    if member is not None and member.present:
        return "member"
    try:
        actor = await ctx.lookup_member(target)
    except Exception:  # the platform could not say: refuse rather than guess
        return "unknown"
    if actor is None:
        return "absent" if member is not None else "unknown"
    return ctx.state.standing(target) or "member"


# -- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandState:
    view: CommunityView
    moderation: ModerationConfig
    next_case: int
    target: str | None
    target_standing: str
    active_weight: int = 0
    case: CaseInfo | None = None
    cases: tuple[CaseInfo, ...] = ()
    open_case: CaseInfo | None = None
    recent: tuple[tuple[str, str], ...] = ()
    reports: tuple[datetime, ...] = ()
    in_force: InForce = field(default_factory=InForce)
    extra: dict[str, Any] = field(default_factory=dict)


def target_of(event: CommandInvoked) -> str | None:
    user = event.args.get("user")
    return str(user) if user else event.target_user_id


async def load_command(event: Event, cfg: ModerationConfig, ctx: RuleContext) -> CommandState:
    assert isinstance(event, CommandInvoked)
    target = target_of(event)
    command = event.command
    asks_who = (*PUNISH_COMMANDS, *REVERSE_COMMANDS, "cases")
    standing = await target_standing(ctx, target) if command in asks_who else "member"
    state: dict[str, Any] = {}
    if command in PUNISH_COMMANDS and target:
        state["active_weight"] = await mod_store.active_warning_weight(
            ctx.store, ctx.community, target, ctx.now
        )
        state["in_force"] = InForce.of(
            await mod_store.restrictions(ctx.store, ctx.community, target, ctx.now)
        )
    if command in REVERSE_COMMANDS and target:
        state["open_case"] = await mod_store.latest_open_case(
            ctx.store, ctx.community, target, REVERSE_COMMANDS[command]
        )
    if command == "cases" and target:
        state["cases"] = tuple(await mod_store.cases_for(ctx.store, ctx.community, target))
        state["active_weight"] = await mod_store.active_warning_weight(
            ctx.store, ctx.community, target, ctx.now
        )
    elif command == "cases":  # no member: the community's latest cases
        state["cases"] = tuple(
            await mod_store.cases_for(ctx.store, ctx.community, None, RECENT_CASES)
        )
    if command == "cases":  # the members' names, not their ids
        people = {c.user_id for c in state["cases"]} | ({target} if target else set())
        known = {uid: ctx.state.known(uid) for uid in people}
        state["extra"] = {"names": {u: m.name for u, m in known.items() if m and m.name}}
    if command == "case":
        number = _int(event.args.get("number"))
        if number is not None:
            state["case"] = await mod_store.case(ctx.store, ctx.community, number)
    if command == "purge":
        recent = tuple(ctx.memory.get(RECENT, {}).get(event.channel_id, ()))
        state["recent"] = recent
        # whose messages /purge keeps: moderators', admins' and bots' (the community state
        # knows everyone's standing; the bot's own messages are never in the list)
        state["extra"] = {
            "staff": frozenset(u for _, u in recent if ctx.state.standing(u) is not None)
        }
    if command == "report":
        state["reports"] = tuple(ctx.memory.get(REPORTS, {}).get(event.actor.user_id, ()))
    return CommandState(ctx.view, cfg, await next_case(ctx), target, standing, **state)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).lstrip("#"))
    except (TypeError, ValueError):
        return None


def refuse_target(event: CommandInvoked, snap: CommandState) -> Decision | None:
    """No target, oneself, or a protected member: answer instead of acting."""
    texts = snap.view.texts
    if not snap.target:
        return Decision.act(
            [answer(event, texts.get("command.unknown_user"))], f"/{event.command} without a member"
        )
    if snap.target == event.actor.user_id:
        return Decision.act(
            [answer(event, texts.get("mod.not_self", command=event.command))],
            f"/{event.command} on oneself refused",
        )
    if snap.target_standing in ("unknown", "absent") and event.command != "ban":
        return Decision.act(
            [answer(event, texts.get("mod.unknown_target", member=snap.target))],
            f"{snap.target} is not a member the platform knows: nothing done",
        )
    if snap.target_standing == "unknown":
        return Decision.act(
            [answer(event, texts.get("mod.unknown_target", member=snap.target))],
            f"the platform could not say who {snap.target} is: nothing done",
        )
    if snap.target_standing not in ("member", "absent"):
        return Decision.act(
            [answer(event, texts.get("mod.protected", member=snap.target))],
            f"{snap.target} is a {snap.target_standing}: never punished",
        )
    return None


@rule("moderation.punish", on=CommandInvoked, load=load_command, commands=PUNISH_COMMANDS)
def punish(
    event: CommandInvoked, cfg: ModerationConfig, snap: CommandState, now: datetime
) -> Decision:
    refused = refuse_target(event, snap)
    if refused:
        return refused
    assert snap.target is not None
    texts = snap.view.texts
    reason = str(event.args.get("reason") or "").strip() or f"/{event.command}"
    kind = event.command
    punishment: Punishment
    if kind == "warn":
        weight = _int(event.args.get("weight")) or cfg.warnings.default_weight
        punishment = Punishment(warn=max(1, weight))
    elif kind == "timeout":
        raw = event.args.get("duration")
        try:
            duration = parse_duration(raw) if raw else cfg.default_timeout
            if duration <= timedelta(0) or duration > timedelta(days=28):
                raise ValueError("use a duration between 1s and 28d")
        except ValueError as exc:
            return Decision.act(
                [answer(event, texts.get("mod.bad_duration", value=str(raw), problem=str(exc)))],
                f"bad duration {raw!r}",
            )
        punishment = Punishment(timeout=duration)
    elif kind == "kick":
        punishment = Punishment(kick=True)
    else:
        seconds = 0
        raw = event.args.get("delete_messages")
        if raw:
            try:
                seconds = min(int(parse_duration(raw).total_seconds()), 7 * 86400)
            except ValueError as exc:
                return Decision.act(
                    [
                        answer(
                            event, texts.get("mod.bad_duration", value=str(raw), problem=str(exc))
                        )
                    ],
                    f"bad {raw!r}",
                )
        punishment = Punishment(ban=True, ban_delete_seconds=seconds)
    offense = Offense(
        user_id=snap.target,
        member_name=snap.target,
        reason=reason,
        channel_id=event.channel_id,
        actor_id=event.actor.user_id,
        message_id=event.target_message_id,
        evidence=event.target_message_text,
    )
    plan = plan_punishment(
        offense,
        punishment,
        cfg=cfg,
        view=snap.view,
        now=now,
        next_case=snap.next_case,
        active_weight=snap.active_weight,
        in_force=snap.in_force,
    )
    if not plan.summary:
        return Decision.act(
            [*plan.actions, answer(event, texts.get("mod.nothing_done", member=snap.target))],
            f"/{kind} {snap.target}: nothing to do",
            plan.patches,
        )
    confirm = answer(event, ", ".join(plan.summary) + f" · {snap.target} · {reason}")
    return Decision.act(
        [*plan.actions, confirm],
        f"{event.actor.display}: /{kind} {snap.target} ({', '.join(plan.summary)})",
        plan.patches,
    )


@rule("moderation.reverse", on=CommandInvoked, load=load_command, commands=tuple(REVERSE_COMMANDS))
def reverse(
    event: CommandInvoked, cfg: ModerationConfig, snap: CommandState, now: datetime
) -> Decision:
    texts = snap.view.texts
    if not snap.target:
        return Decision.act([answer(event, texts.get("command.unknown_user"))], "no member")
    target, reason = snap.target, str(event.args.get("reason") or "").strip()
    kind = event.command
    if snap.open_case is None and snap.target_standing == "unknown":
        return Decision.act(
            [answer(event, texts.get("mod.unknown_target", member=target))],
            f"/{kind}: {target} is unknown and has no open case: nothing done",
        )
    action: Action = (RemoveTimeout if kind == "untimeout" else Unban)(
        user_id=target, reason=reason or f"/{kind}"
    )
    number = snap.next_case
    patches: list[Patch] = [OpenCases((CaseDraft(
        number=number, user_id=target, action=kind, reason=reason or f"/{kind}",
        actor_id=event.actor.user_id),), now)]  # fmt: skip
    lines = [f"#{number} {texts.case_type(kind)} · {target}"]
    if snap.open_case is not None:
        patches.append(ReverseCase(snap.open_case.number, event.actor.user_id, now))
        lines.append(
            texts.get(
                "mod.reversed",
                number=snap.open_case.number,
                action=snap.open_case.action,
                member=target,
                moderator=event.actor.display,
            )
        )
        patches += _learn_ham_of(snap.open_case, event.actor.user_id, now)
    actions: list[Action] = [action, answer(event, "\n".join(lines))]
    if cfg.log_cases and snap.view.settings.mod_log_channel:
        actions.append(AlertModerators(text="\n".join(lines), user_id=target))
    return Decision.act(actions, f"{event.actor.display}: /{kind} {target}", patches)


def _learn_ham_of(case: CaseInfo, by: str, now: datetime) -> list[Patch]:
    """Reversing an automatic spam case teaches the classifier the message was fine."""
    if case.rule and case.rule.startswith("antispam") and case.evidence:
        return [LearnSample("ham", case.evidence, by, now, case.user_id)]
    return []


def _when(view: CommunityView, at: datetime | None) -> str:
    return view.local(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _duration(case: CaseInfo) -> str:
    if not case.duration_seconds:
        return ""
    return f" {format_duration(timedelta(seconds=case.duration_seconds))}"


def _recent_cases(event: CommandInvoked, snap: CommandState, names: dict[str, str]) -> Decision:
    """`/cases` without a member: the community's latest cases, each naming its member."""
    texts, view = snap.view.texts, snap.view
    if not snap.cases:
        return Decision.act([answer(event, texts.get("mod.cases_recent_none"))], "no cases yet")
    lines = [texts.get("mod.cases_recent_header", count=len(snap.cases))]
    for c in snap.cases:
        reversed_note = f" (↩ {c.reversed_by})" if c.reversed_at else ""
        lines.append(texts.get(
            "mod.case_line_member", number=c.number, when=_when(view, c.created_at),
            action=_kinds(texts, c), duration=_duration(c), reason=c.reason,
            not_done=_not_done(texts, c), reversed=reversed_note,
            member=names.get(c.user_id, c.user_id),
        ))  # fmt: skip
    return Decision.act(
        [answer(event, "\n".join(lines))], f"listed the {plural(len(snap.cases), 'latest case')}"
    )


@rule("moderation.cases", on=CommandInvoked, load=load_command, commands=("cases", "case"))
def show_cases(
    event: CommandInvoked, cfg: ModerationConfig, snap: CommandState, now: datetime
) -> Decision:
    texts, view = snap.view.texts, snap.view
    if event.command == "cases":
        names: dict[str, str] = snap.extra.get("names", {})
        if not snap.target:
            return _recent_cases(event, snap, names)
        member = names.get(snap.target, snap.target)
        if not snap.cases and snap.target_standing == "unknown":
            text = texts.get("mod.unknown_target", member=member)
        elif not snap.cases:
            text = texts.get("mod.cases_none", member=member)
        else:
            lines = [texts.get("mod.cases_header", member=member, weight=snap.active_weight)]
            for c in snap.cases:
                reversed_note = f" (↩ {c.reversed_by})" if c.reversed_at else ""
                lines.append(texts.get(
                    "mod.case_line", number=c.number, when=_when(view, c.created_at),
                    action=_kinds(texts, c), duration=_duration(c), reason=c.reason,
                    not_done=_not_done(texts, c), reversed=reversed_note,
                ))  # fmt: skip
            text = "\n".join(lines)
        return Decision.act([answer(event, text)], f"listed {plural(len(snap.cases), 'case')}")
    number = _int(event.args.get("number"))
    case = snap.case
    if case is None:
        return Decision.act(
            [answer(event, texts.get("mod.no_case", number=number))], f"no case {number}"
        )
    if str(event.args.get("action") or "show") == "reverse":
        return _reverse_case(event, cfg, snap, case, now)
    reversed_text = (
        texts.get(
            "mod.case_reversed_suffix",
            moderator=case.reversed_by,
            when=_when(view, case.reversed_at),
        )
        if case.reversed_at
        else ""
    )
    values = {
        "number": case.number, "action": _kinds(texts, case), "member": case.user_id,
        "by": case.actor_id or case.rule or "qunbot", "when": _when(view, case.created_at),
        "duration": _duration(case), "reason": case.reason, "not_done": _not_done(texts, case),
        "reversed": reversed_text,
    }  # fmt: skip
    # the evidence only where moderators read: a public answer leaves it out
    evidence = f"\n> {quote(case.evidence)}" if case.evidence else ""
    reply = answer(event, texts.get("mod.case_detail", **values, evidence=evidence))
    # a rule's reason may quote the message (the keyword it matched): the public form names
    # the rule instead
    shown_reason = case.reason if case.actor_id else texts.rule_title(case.rule or "")
    public = texts.get("mod.case_detail", **{**values, "reason": shown_reason}, evidence="")
    return Decision.act([replace(reply, public_text=public)], f"showed case {case.number}")


def _kinds(texts: Texts, case: CaseInfo) -> str:
    """The case's actions, localized: `delete + warn + timeout`."""
    return " + ".join(texts.case_type(s.kind) for s in case.actions) or case.action


def _not_done(texts: Texts, case: CaseInfo) -> str:
    missed = case.not_done
    if not missed:
        return ""
    parts = [f"{texts.case_type(s.kind)} ({s.detail})" if s.detail else s.kind for s in missed]
    return texts.get("mod.case_not_done", actions="; ".join(parts))


def _reverse_case(
    event: CommandInvoked, cfg: ModerationConfig, snap: CommandState, case: CaseInfo, now: datetime
) -> Decision:
    texts = snap.view.texts
    if case.reversed_at:
        return Decision.act([answer(event, texts.get(
            "mod.already_reversed", number=case.number, moderator=case.reversed_by))],
            f"case {case.number} already reversed")  # fmt: skip
    undo: list[Action] = []
    if case.action == "timeout" and not case.lifted_at:
        undo.append(RemoveTimeout(user_id=case.user_id, reason=f"case #{case.number} reversed"))
    elif case.action == "ban":
        undo.append(Unban(user_id=case.user_id, reason=f"case #{case.number} reversed"))
    text = texts.get(
        "mod.reversed",
        number=case.number,
        action=case.action,
        member=case.user_id,
        moderator=event.actor.display,
    )
    actions: list[Action] = [*undo, answer(event, text)]
    if cfg.log_cases and snap.view.settings.mod_log_channel:
        actions.append(
            AlertModerators(
                text=texts.get(
                    "mod.case_reversed_log",
                    number=case.number,
                    action=case.action,
                    member=case.user_id,
                    moderator=event.actor.display,
                ),
                user_id=case.user_id,
            )
        )
    patches: list[Patch] = [
        ReverseCase(case.number, event.actor.user_id, now),
        *_learn_ham_of(case, event.actor.user_id, now),
    ]
    return Decision.act(actions, f"case {case.number} reversed", patches)


@rule("moderation.purge", on=CommandInvoked, load=load_command, commands=("purge",))
def purge(
    event: CommandInvoked, cfg: ModerationConfig, snap: CommandState, now: datetime
) -> Decision:
    wanted = max(0, min(_int(event.args.get("count")) or 0, cfg.max_purge))
    everyone = str(event.args.get("scope") or "").strip().lower() == "all"
    staff: frozenset[str] = frozenset() if everyone else snap.extra.get("staff", frozenset())
    # the newest messages first, never the command itself; moderators', admins' and bots'
    # messages among them are kept unless the moderator asks for `all`
    newest = [(m, u) for m, u in reversed(snap.recent) if m != event.message_id][:wanted]
    chosen = [(m, u) for m, u in newest if u not in staff]
    kept = len(newest) - len(chosen)
    deletes: list[Action] = [
        DeleteMessage(channel_id=event.channel_id, message_id=m, user_id=u) for m, u in chosen
    ]
    ids = tuple(m for m, _ in chosen)
    texts = snap.view.texts
    text = texts.get("mod.purged", count=len(deletes))
    if kept:
        text = texts.get("mod.purged_kept", count=len(deletes), kept=kept, asked=wanted)
    return Decision.act(
        [*deletes, answer(event, text)],
        f"purged {len(deletes)} of {wanted} asked"
        + (f", kept {kept} by staff or bots" if kept else ""),
        [ForgetMessages(event.channel_id, ids), RevokePoints(ids, now)],
    )


@rule("moderation.report", on=CommandInvoked, load=load_command, commands=("report",))
def report(
    event: CommandInvoked, cfg: ModerationConfig, snap: CommandState, now: datetime
) -> Decision:
    texts = snap.view.texts
    if not cfg.report.enabled:
        return Decision.skip("reports are switched off")
    if not event.target_message_id:
        return Decision.act(
            [answer(event, texts.get("mod.report_needs_message"))], "report without a message"
        )
    recent = [t for t in snap.reports if now - t < cfg.report.window]
    if len(recent) >= cfg.report.limit:
        return Decision.act(
            [answer(event, texts.get("mod.report_limited"))],
            f"{len(recent)} reports in {format_duration(cfg.report.window)}",
        )
    member = event.target_user_id or "?"
    alert = AlertModerators(
        text=texts.get("mod.report_alert", reporter=event.actor.display,
                       member=member, channel=event.channel_id,
                       excerpt=quote(event.target_message_text) or event.target_message_id),
        user_id=event.target_user_id,
        public_text=texts.get("mod.report_alert_public", reporter=event.actor.display,
                              member=member),
    )  # fmt: skip
    return Decision.act(
        [alert, answer(event, texts.get("mod.report_sent"))],
        f"{event.actor.display} reported {event.target_message_id}",
        [NoteReport(event.actor.user_id, now)],
    )


# -- ended timeouts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ended:
    view: CommunityView
    timeouts: tuple[CaseInfo, ...]
    step_ids: tuple[int, ...]
    # due cases whose member is still held by a later timeout or ban: marked, not lifted
    covered: tuple[int, ...] = ()


async def load_ended(event: Event, cfg: ModerationConfig, ctx: RuleContext) -> Ended:
    steps = await ctx.store.steps(ctx.community, kind_prefix=LIFT, due_before=ctx.now)
    if not steps:
        return Ended(ctx.view, (), ())
    # only the ends moderation scheduled (not those other capabilities opened as cases)
    scheduled = {s.payload.get("case") for s in steps}
    due = [
        c
        for c in await mod_store.due_timeouts(ctx.store, ctx.community, ctx.now)
        if c.number in scheduled
    ]
    covered: list[int] = []
    for c in due:
        held = [
            r
            for r in await mod_store.restrictions(ctx.store, ctx.community, c.user_id, ctx.now)
            if r.number != c.number and (r.action == "ban" or c.action == "timeout")
        ]
        if held:  # lifting would end what a later case still imposes
            covered.append(c.number)
    return Ended(ctx.view, tuple(due), tuple(s.id for s in steps), tuple(covered))


@rule("moderation.lift_timeouts", on=Tick, load=load_ended, jobs=("due",))
def lift_timeouts(event: Tick, cfg: ModerationConfig, snap: Ended, now: datetime) -> Decision:
    """A timeout's or temporary ban's end is a pending step and in its case row, so it is
    lifted even after a restart, once (the step is claimed before the lift runs). Discord bans
    are permanent, so a temporary one needs this unban; Telegram ends its timeouts and bans
    with until_date itself, and lifting again is harmless and recorded. A reversed, refused or
    already lifted case is not lifted, and neither is one a later, longer case still covers."""
    if not snap.step_ids:
        return Decision.skip("no timeout or ban has ended")
    actions: list[Action] = []
    for c in snap.timeouts:
        if c.number in snap.covered:
            continue
        ended = f"case #{c.number}: {c.action} ended"
        lift = Unban if c.action == "ban" else RemoveTimeout
        actions.append(lift(user_id=c.user_id, reason=ended))
    patches: list[Patch] = [
        FinishSteps(snap.step_ids, now),
        MarkLifted(tuple(c.number for c in snap.timeouts), now),
    ]
    kept = (
        f"; {plural(len(snap.covered), 'case')} still covered by a later one"
        if snap.covered
        else ""
    )
    return Decision.act(actions, f"{plural(len(actions), 'restriction')} ended{kept}", patches)
