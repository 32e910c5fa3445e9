"""Anti-spam as pure rules: the playbook's rules judged on every message (and edit), raid
detection on joins, and the moderator commands /spam, /notspam, /raid and /automod explain.

Loaders gather state (memory windows, the member, the cached classifier); the rule functions
decide. Memory counters change only in patches, so a dry run never counts."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import CoroutineType, MappingProxyType
from typing import Any

from bot.actions import Action, AlertModerators
from bot.configmodel import format_duration
from bot.engine import RuleOutcome, protected_standing
from bot.events import (
    CommandInvoked,
    Event,
    MemberJoined,
    MessageEdited,
    MessagePosted,
    Tick,
)
from bot.frozen import quick_init
from bot.patches import FinishSteps
from bot.rule import CommunityView, Decision, Patch, RuleContext, answer, rule
from bot.store import MemberInfo
from bot.store.db import unreachable
from rules.antispam.classifier import SAMPLES_DIR, SpamClassifier, load_seed_samples
from rules.antispam.config import Actions, AntispamConfig, SpamRule
from rules.antispam.normalize import normalized
from rules.antispam.patches import (
    JOINS,
    RAID,
    RAID_CHECK_STEP,
    RAID_KEY,
    NoteJoin,
    NoteMessage,
    SetRaid,
    StartCooldown,
)
from rules.antispam.triggers import (
    Check,
    Context,
    Gate,
    Recent,
    Scan,
    check,
    checks,
    fingerprint,
    quiet_gate,
)
from rules.antispam.windows import RECENT, Windows
from rules.moderation import store as mod_store
from rules.moderation.config import ModerationConfig
from rules.moderation.patches import SAMPLES_VERSION, LearnSample
from rules.moderation.punish import (
    InForce,
    Offense,
    Plan,
    Punishment,
    plan_punishment,
    quote,
)
from rules.moderation.rules import moderation_config, next_case, target_standing
from rules.welcome import is_newcomer
from rules.welcome.config import WelcomeConfig

CLASSIFIER = "antispam.classifier"  # memory: (key, SpamClassifier), rebuilt when samples change
EVALUATION = "antispam.evaluation"  # memory: the last message's snapshot, shared by both passes


# -- tracking -------------------------------------------------------------------------------------


@rule("antispam.track", on=MessagePosted)
def track(
    event: MessagePosted, cfg: AntispamConfig, view: CommunityView, now: datetime
) -> Decision:
    """Count the message into the member's short windows (edits are not new messages)."""
    if type(event) is not MessagePosted:
        return _AN_EDIT
    horizon = cfg.window_horizon
    if not horizon:
        return _NOTHING_COUNTS
    norm = normalized(event.text[: cfg.max_scan_chars])
    recent = Recent(now, event.channel_id, fingerprint(norm))
    # `Decision.update` without its tuple copy: this runs for every message
    return Decision(True, "counted", (), (NoteMessage(event.author.user_id, recent, horizon),))


# what `track` says the same way for every such message: made once
_AN_EDIT = Decision.skip("an edit is not a new message")
_NOTHING_COUNTS = Decision.skip("no rule counts messages")


# -- judging messages -----------------------------------------------------------------------------


@quick_init
@dataclass(frozen=True, slots=True)
class Hit:
    rule: SpamRule
    why: str | None  # None: did not fire
    misses: tuple[str, ...] = ()
    skipped: str = ""  # out of scope: why the rule did not look


NOTHING_IN_FORCE = InForce()  # immutable: one serves every message


@quick_init
@dataclass(frozen=True, slots=True)
class MessageState:
    view: CommunityView
    moderation: ModerationConfig
    protected: str | None
    hits: tuple[Hit, ...] = ()
    next_case: int = 1
    active_weight: int = 0
    in_force: InForce = NOTHING_IN_FORCE
    # the hits again, each miss in words (see `_Explained`); None: `hits` say it already
    explained: Callable[[], tuple[Hit, ...]] | None = None
    fired: tuple[Hit, ...] = ()  # the hits of the rules that fire (most messages: none)

    def worded(self) -> tuple[Hit, ...]:
        return self.explained() if self.explained is not None else self.hits

    # why no rule of the mode acted, as deferred reasons (a bound method costs less than a
    # partial, and a skip is made for both modes on every message)
    def not_shadow(self) -> str:
        return _not_fired(self, "shadow")

    def not_enforced(self) -> str:
        return _not_fired(self, "enforce")


def _built_classifier(cfg: AntispamConfig, ctx: RuleContext) -> SpamClassifier | None:
    """The classifier `classifier_for` built, while no sample was learned since (or None)."""
    cached = ctx.memory.get(CLASSIFIER)
    if cached and cached[0] == (ctx.memory.get(SAMPLES_VERSION, 0), cfg.classifier):
        return cached[1]
    return None


async def classifier_for(cfg: AntispamConfig, ctx: RuleContext) -> SpamClassifier:
    """Seed files + the community's learned samples, cached until a sample is learned."""
    key = (ctx.memory.get(SAMPLES_VERSION, 0), cfg.classifier)
    cached = ctx.memory.get(CLASSIFIER)
    if cached and cached[0] == key:
        return cached[1]
    directory = cfg.classifier.samples_dir or SAMPLES_DIR
    learned = await mod_store.samples(ctx.store, ctx.community)
    settings = cfg.classifier.settings
    shared = ("antispam.seed_classifier", str(directory), settings)
    # a community that learned nothing shares the seed-only classifier (never changed once
    # built: learning builds a new one), so 100 communities do not hold 100 copies
    classifier = None if learned else ctx.store.shared.get(shared)
    if classifier is None:
        seeds = load_seed_samples(directory)
        classifier = SpamClassifier.from_samples(seeds, settings, learned)  # type: ignore[arg-type]
        if not learned:
            ctx.store.shared[shared] = classifier
    ctx.memory[CLASSIFIER] = (key, classifier)  # a cache of stored state, not a counter
    return classifier


def _in_scope(
    spam_rule: SpamRule,
    event: MessagePosted,
    ctx: Context,
    cooldown_until: datetime | None,
    now: datetime,
) -> str:
    """Why the rule does not look at this message, or "" when it does."""
    if not spam_rule.check_edits and isinstance(event, MessageEdited):
        return "edits are not checked"
    if spam_rule.channels and event.channel_id not in spam_rule.channels:
        return f"#{event.channel_id} is not one of its channels"
    if spam_rule.exclude_channels and event.channel_id in spam_rule.exclude_channels:
        return f"#{event.channel_id} is excluded"
    if spam_rule.exempt_members and event.author.user_id in spam_rule.exempt_members:
        return "member is exempt"
    if spam_rule.exempt_roles and not spam_rule.exempt_role_set.isdisjoint(event.author.roles):
        return "member has an exempt role"
    if spam_rule.newcomers_only and not ctx.newcomer:
        return "only newcomers, and this member is not one"
    if cooldown_until and now < cooldown_until:
        return f"cooling down for this member until {cooldown_until:%H:%M:%S}"
    return ""


@dataclass(frozen=True, slots=True)
class Compiled:
    """The playbook's rules compiled for the common message, once per playbook version (and
    shared by every community that runs it: `AntispamConfig.plan`): each rule with whether it
    has a scope to test at all and its triggers as checks (`triggers.checks`), the gate that
    rules out every rule's triggers at once (`triggers.quiet_gate`), and the verdicts when
    every rule looked and none fired (shared)."""

    rules: tuple[tuple[SpamRule, bool, tuple[Check, ...]], ...]
    quiet: tuple[Hit, ...]
    gate: Gate | None = None
    scoped: tuple[tuple[int, SpamRule], ...] = ()  # the rules `_in_scope` may rule out
    modes: frozenset[str] = frozenset()  # the modes some rule is in
    classify_before: float = 0  # the classifier judges a member's first this-many messages

    @classmethod
    def of(cls, cfg: AntispamConfig) -> Compiled:
        compiled = tuple((r, _scoped(r), checks(r)) for r in cfg.rules)
        scoped = tuple((n, r) for n, (r, in_scope, _) in enumerate(compiled) if in_scope)
        quiet = tuple(Hit(r, None) for r in cfg.rules)
        modes = frozenset(r.mode for r in cfg.rules)
        return cls(compiled, quiet, quiet_gate(cfg.rules), scoped, modes, _classified_before(cfg))


def _scoped(spam_rule: SpamRule) -> bool:
    """Whether `_in_scope` may rule the rule out for some message (cooldowns aside)."""
    return bool(
        not spam_rule.check_edits
        or spam_rule.channels
        or spam_rule.exclude_channels
        or spam_rule.exempt_members
        or spam_rule.exempt_roles
        or spam_rule.newcomers_only
    )


def judge(
    cfg: AntispamConfig,
    event: MessagePosted,
    ctx: Context,
    cooldowns: Mapping[str, datetime],
    now: datetime,
    *,
    explain: bool = True,
    plan: Compiled | None = None,
) -> tuple[Hit, ...]:
    """Every rule's verdict on the message (pure). Without `explain`, a rule that does not
    fire says nothing of its triggers (`misses` is empty): the same verdicts, cheaper, from
    the compiled `plan` (`Compiled.of(cfg)`)."""
    text = event.text[: cfg.max_scan_chars]
    norm = normalized(text)
    scan = Scan(event, text, norm)
    if not explain:
        return _judged_quickly(plan or Compiled.of(cfg), event, scan, ctx, cooldowns, now)
    hits = []
    for spam_rule in cfg.rules:
        skipped = _in_scope(
            spam_rule, event, ctx, cooldowns.get(spam_rule.name) if cooldowns else None, now
        )
        if skipped:
            hits.append(Hit(spam_rule, None, skipped=skipped))
            continue
        why, misses = check(spam_rule, event, text, norm, ctx, now, scan=scan)
        hits.append(Hit(spam_rule, why, tuple(misses)))
    return tuple(hits)


def _judged_quickly(
    plan: Compiled,
    event: MessagePosted,
    scan: Scan,
    ctx: Context,
    cooldowns: Mapping[str, datetime],
    now: datetime,
) -> tuple[Hit, ...]:
    """`judge` without words: the plan's shared verdicts unless some rule fires or is out of
    scope, so the common message allocates no verdict. The plan's gate decides most messages
    without asking any rule."""
    gate = plan.gate
    if gate is not None and not cooldowns and gate(scan, ctx, now):
        quiet: list[Hit] | None = None  # no rule fires; some may not even look
        for n, spam_rule in plan.scoped:
            skipped = _in_scope(spam_rule, event, ctx, None, now)
            if skipped:
                quiet = quiet or list(plan.quiet)
                quiet[n] = Hit(spam_rule, None, skipped=skipped)
        return plan.quiet if quiet is None else tuple(quiet)
    hits: list[Hit] | None = None
    for n, (spam_rule, scoped, compiled) in enumerate(plan.rules):
        if scoped or cooldowns:
            until = cooldowns.get(spam_rule.name) if cooldowns else None
            skipped = _in_scope(spam_rule, event, ctx, until, now)
            if skipped:
                hits = hits or list(plan.quiet)
                hits[n] = Hit(spam_rule, None, skipped=skipped)
                continue
        for one in compiled:  # `first_firing`, inline: it runs for every rule
            why = one(scan, ctx, now)
            if why is not None:
                hits = hits or list(plan.quiet)
                hits[n] = Hit(spam_rule, why)
                break
    return plan.quiet if hits is None else tuple(hits)


def load_message(event: Event, cfg: AntispamConfig, ctx: RuleContext) -> Any:
    """The message judged by every rule, from the community state: the common message (no
    rule fires) waits for nothing. It waits (returns a coroutine) for a member the state does
    not hold, a classifier still to build, and the case number and earlier warnings of a
    message some rule fires on."""
    assert isinstance(event, MessagePosted)
    memory = ctx.state.memory
    # shared by the shadow and enforce passes of one event (or an equal one: same id, time,
    # text and kind) under one playbook version; held as (event, playbook section, snapshot)
    cached = memory.get(EVALUATION)
    if cached is not None:
        seen, seen_cfg, state = cached
        if (
            seen is event
            or (
                seen.message_id == event.message_id
                and seen.occurred_at == event.occurred_at
                and seen.text == event.text
                and seen.kind == event.kind
            )
        ) and (seen_cfg is cfg or seen_cfg == cfg):
            return state
    author = event.author
    # a plain member (no flag, no role) has no standing to protect: most authors
    if author.is_bot or author.is_admin or author.is_moderator or author.roles:
        protected = protected_standing(author, ctx.view.settings)
        if protected:
            state = MessageState(ctx.view, moderation_config(ctx.playbook), protected)
            memory[EVALUATION] = (event, cfg, state)
            return state
    info = ctx.state.known(author.user_id)
    if info is None and ctx.state.gone(author.user_id):
        return _load_message_waiting(event, cfg, ctx)
    before = _messages_before(event, info)
    classifier = None
    if before < cfg.plan.classify_before:
        classifier = _built_classifier(cfg, ctx)
        if classifier is None:
            return _load_message_waiting(event, cfg, ctx)
    return _judged(event, cfg, ctx, info, before, classifier)


async def _load_message_waiting(
    event: MessagePosted, cfg: AntispamConfig, ctx: RuleContext
) -> MessageState:
    info = await ctx.state.member(event.author.user_id)
    before = _messages_before(event, info)
    classify = before < cfg.plan.classify_before
    classifier = await classifier_for(cfg, ctx) if classify else None
    state = _judged(event, cfg, ctx, info, before, classifier)
    return await state if type(state) is CoroutineType else state


def _messages_before(event: MessagePosted, info: MemberInfo | None) -> int:
    # the state counted this message already (an edit is not counted)
    counted = 1 if type(event) is MessagePosted else 0
    return max(0, (info.message_count if info else 0) - counted)


def _classified_before(cfg: AntispamConfig) -> float:
    """The classifier judges a member's message after fewer than this many others."""
    if not cfg.uses_classifier:
        return 0
    return math.inf if cfg.classifier.apply_to == "all" else cfg.classifier.first_messages


_NO_COOLDOWNS: Mapping[str, datetime] = MappingProxyType({})


def _judged(
    event: MessagePosted,
    cfg: AntispamConfig,
    ctx: RuleContext,
    info: MemberInfo | None,
    before: int,
    classifier: SpamClassifier | None,
) -> Any:
    """Every rule's verdict; the snapshot, or (when one fires) a coroutine that adds the case
    number, earlier warnings and restrictions."""
    now = ctx.now
    memory = ctx.state.memory
    welcome = getattr(ctx.playbook, "welcome", None)
    newcomer = isinstance(welcome, WelcomeConfig) and is_newcomer(info, welcome, now)
    text = event.text[: cfg.max_scan_chars]
    verdict = classifier.classify(text) if classifier else None
    windows: Windows | None = memory.get(RECENT)
    window = windows.members.get(event.author.user_id) if windows else None
    if window is None:
        recent: tuple[Recent, ...] = ()
        cooldowns = _NO_COOLDOWNS
    else:
        recent = window.since(now - cfg.window_horizon)
        # this member's cooldowns, by rule (a copy: a later patch may start another)
        cooldowns = dict(window.cooldowns) if window.cooldowns else _NO_COOLDOWNS
    context = Context(recent, before, info.joined_at if info else None, newcomer, verdict)
    plan: Compiled = cfg.plan
    # `judge(..., explain=False)`, its one normalization shared with `track`
    hits = _judged_quickly(
        plan, event, Scan(event, text, normalized(text)), context, cooldowns, now
    )
    explained = _Explained(cfg, event, context, cooldowns, now)
    if hits is not plan.quiet:
        firing = tuple(h for h in hits if h.why)
        if firing:
            return _with_cases(event, ctx, cfg, hits, firing, explained)
    state = MessageState(ctx.view, moderation_config(ctx.playbook), None, hits, explained=explained)
    memory[EVALUATION] = (event, cfg, state)  # shared by the shadow and enforce passes
    return state


async def _with_cases(
    event: MessagePosted,
    ctx: RuleContext,
    cfg: AntispamConfig,
    hits: tuple[Hit, ...],
    firing: tuple[Hit, ...],
    explained: _Explained,
) -> MessageState:
    user = event.author.user_id
    number, weight, held = await next_case(ctx), 0, InForce()
    try:
        if any(h.rule.actions.warn for h in firing):
            weight = await mod_store.active_warning_weight(ctx.store, ctx.community, user, ctx.now)
        if any(_restricts(h.rule.actions) for h in firing):
            held = InForce.of(await mod_store.restrictions(ctx.store, ctx.community, user, ctx.now))
    except Exception as exc:
        if not unreachable(exc):
            raise
        # the database is away: judged without earlier warnings and restrictions
    state = MessageState(
        ctx.view,
        moderation_config(ctx.playbook),
        None,
        hits,
        number,
        weight,
        in_force=held,
        explained=explained,
        fired=firing,
    )
    ctx.state.memory[EVALUATION] = (event, cfg, state)  # shared by the shadow and enforce passes
    return state


class _Explained:
    """Every rule's verdict with the misses of its triggers in words, judged again only when
    a reason is read (`/automod explain`, a dry run), once."""

    __slots__ = ("_args", "_hits")

    def __init__(self, *args: Any) -> None:
        self._args = args
        self._hits: tuple[Hit, ...] | None = None

    def __call__(self) -> tuple[Hit, ...]:
        if self._hits is None:
            self._hits = judge(*self._args, explain=True)
        return self._hits


def _restricts(actions: Actions) -> bool:
    """Whether the actions may mute or remove the member (a warning may escalate)."""
    return bool(actions.warn or actions.timeout or actions.kick or actions.ban)


def _punishment(
    actions: Actions, values: dict[str, Any], alert: str | None, public: str | None = None
) -> Punishment:
    return Punishment(
        delete=actions.delete,
        reply=actions.reply.render(values) if actions.reply else None,
        warn=actions.warn,
        timeout=actions.timeout,
        kick=actions.kick,
        ban=actions.ban,
        alert=actions.alert,
        extra_alert=alert if actions.alert else None,
        public_alert=public if actions.alert else None,
    )


def _plan(hit: Hit, event: MessagePosted, snap: MessageState, now: datetime) -> Plan:
    assert hit.why is not None
    name = f"antispam.{hit.rule.name}"
    member = event.author.display
    values = {
        "member": member,
        "rule": hit.rule.name,
        "reason": hit.why,
        "community": snap.view.settings.name,
    }
    alert = snap.view.texts.get(
        "antispam.alert",
        rule=hit.rule.name,
        member=member,
        channel=event.channel_id,
        reason=hit.why,
        excerpt=quote(event.text),
    )
    public = snap.view.texts.get("antispam.alert_public", rule=hit.rule.name, member=member)
    offense = Offense(
        user_id=event.author.user_id,
        member_name=member,
        reason=hit.why,
        channel_id=event.channel_id,
        rule=name,
        message_id=event.message_id,
        evidence=event.text[:2000],
        shown_reason=hit.rule.name,
    )
    return plan_punishment(
        offense,
        _punishment(hit.rule.actions, values, alert, public),
        cfg=snap.moderation,
        view=snap.view,
        now=now,
        next_case=snap.next_case,
        active_weight=snap.active_weight,
        in_force=snap.in_force,
    )


def _not_fired(snap: MessageState, mode: str) -> str:
    if snap.protected:
        return f"author is a {snap.protected}: never acted against"
    parts = [
        f"{h.rule.name}: {h.skipped or ', '.join(h.misses) or 'nothing matched'}"
        for h in snap.worded()
        if h.rule.mode == mode
    ]
    return "; ".join(parts) or f"no rule in {mode} mode"


# What a mode's pass says, in the same words for every message, when no rule of it fires on
# a protected author's message, or the playbook has no rule in that mode: made once, so
# those messages make no decision (by (protected standing or None, mode); see `_not_fired`).
_SAID_ALWAYS = {
    (standing, mode): Decision.skip(
        f"author is a {standing}: never acted against" if standing else f"no rule in {mode} mode"
    )
    for standing in (None, "bot", "admin", "moderator")
    for mode in ("shadow", "enforce")
}


def _unfired(snap: MessageState, mode: str) -> Decision:
    """`_not_fired` as a decision, made once when it says the same for every message."""
    found = _SAID_ALWAYS.get((snap.protected, mode))
    return found if found is not None else Decision.skip(_not_fired(snap, mode))


@rule("antispam.shadow", on=MessagePosted, load=load_message)
def shadow_rules(
    event: MessagePosted, cfg: AntispamConfig, snap: MessageState, now: datetime
) -> Decision:
    """Rules in `mode: shadow`: decide and log what they would do, execute nothing."""
    fired = [h for h in snap.fired if h.rule.mode == "shadow"] if snap.fired else None
    if not fired:
        if snap.protected or "shadow" not in cfg.plan.modes:
            return _unfired(snap, "shadow")
        return Decision(False, snap.not_shadow)
    actions: list[Action] = []
    for hit in fired:
        actions += _plan(hit, event, snap, now).actions
    reason = "; ".join(f"[shadow] {h.rule.name}: {h.why}" for h in fired)
    return Decision(True, reason, tuple(actions), (), shadow=True)


@rule("antispam.enforce", on=MessagePosted, load=load_message)
def enforce_rules(
    event: MessagePosted, cfg: AntispamConfig, snap: MessageState, now: datetime
) -> Decision:
    """The first enforcing rule that fires acts; a deleted message goes no further."""
    hit = next((h for h in snap.fired if h.rule.mode == "enforce"), None) if snap.fired else None
    if hit is None:
        if snap.protected or "enforce" not in cfg.plan.modes:
            return _unfired(snap, "enforce")
        return Decision(False, snap.not_enforced)
    plan = _plan(hit, event, snap, now)
    patches: list[Patch] = list(plan.patches)
    if hit.rule.cooldown > timedelta(0):
        patches.append(StartCooldown(hit.rule.name, event.author.user_id, now + hit.rule.cooldown))
    return Decision.act(
        plan.actions, f"{hit.rule.name}: {hit.why}", patches, stop=hit.rule.actions.delete
    )


# -- raids -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RaidState:
    view: CommunityView
    moderation: ModerationConfig
    state: dict[str, Any]
    joins: tuple[datetime, ...]
    next_case: int = 1
    target_standing: str = "member"


async def raid_state(ctx: RuleContext) -> dict[str, Any]:
    cached = ctx.memory.get(RAID)
    if cached is None:
        cached = await ctx.store.get_state(ctx.community, RAID_KEY) or {"active": False}
        ctx.memory[RAID] = cached  # a cache of the persisted state
    return dict(cached)


async def load_raid(event: Event, cfg: AntispamConfig, ctx: RuleContext) -> RaidState:
    standing = "member"
    if isinstance(event, CommandInvoked):
        target = event.args.get("user") or event.target_user_id
        standing = await target_standing(ctx, str(target)) if target else "member"
    return RaidState(
        ctx.view,
        moderation_config(ctx.playbook),
        await raid_state(ctx),
        tuple(ctx.memory.get(JOINS, ())),
        await next_case(ctx),
        standing,
    )


def _raid_ended(cfg: AntispamConfig, state: dict[str, Any], now: datetime) -> bool:
    if not state.get("active") or state.get("manual"):
        return False
    last = datetime.fromisoformat(state["last_surge"])
    return now - last >= cfg.raid.quiet_period


def _off(snap: RaidState, why: str, now: datetime) -> tuple[list[Action], Patch]:
    text = snap.view.texts.get("antispam.raid_off", why=why)
    return [AlertModerators(text=text)], SetRaid(
        {"active": False, "ended": now.isoformat(), "why": why}, now
    )


@rule("antispam.raid", on=MemberJoined, load=load_raid)
def raid_on_join(
    event: MemberJoined, cfg: AntispamConfig, snap: RaidState, now: datetime
) -> Decision:
    """J joins within T start raid mode; members joining during a raid are restricted."""
    patches: list[Patch] = [NoteJoin(event.member.user_id, now, cfg.raid.window)]
    if not cfg.raid.enabled:
        return Decision.update(patches, "raid detection is off")
    raid = cfg.raid
    state = snap.state
    actions: list[Action] = []
    notes: list[str] = []
    if _raid_ended(cfg, state, now):
        off_actions, off_patch = _off(snap, f"quiet for {format_duration(raid.quiet_period)}", now)
        actions += off_actions
        patches.append(off_patch)
        state = {"active": False}
        notes.append("raid mode ended")
    count = 1 + sum(1 for t in snap.joins if t > now - raid.window)
    surge = count >= raid.joins
    window = format_duration(raid.window)
    if surge and not state.get("active"):
        why = f"{count} joins in {window}"
        state = {
            "active": True,
            "since": now.isoformat(),
            "last_surge": now.isoformat(),
            "why": why,
            "manual": False,
        }
        patches.append(SetRaid(state, now, check_at=now + raid.quiet_period))
        if raid.alert:
            restriction = {
                "timeout": f"muted for {format_duration(raid.restrict_for)}",
                "kick": "removed",
                "none": "watched",
            }[raid.newcomers]
            actions.append(AlertModerators(text=snap.view.texts.get(
                "antispam.raid_on", why=why, restriction=restriction,
                quiet=format_duration(raid.quiet_period))))  # fmt: skip
        notes.append(f"raid mode started: {why}")
    elif surge:
        state = {**state, "last_surge": now.isoformat()}
        patches.append(SetRaid(state, now, check_at=now + raid.quiet_period))
    if state.get("active") and raid.newcomers != "none":
        if protected_standing(event.member, snap.view.settings):
            notes.append(f"{event.member.display} is staff or a bot: not restricted")
        else:
            punishment = (
                Punishment(timeout=raid.restrict_for)
                if raid.newcomers == "timeout"
                else Punishment(kick=True)
            )
            offense = Offense(
                user_id=event.member.user_id,
                member_name=event.member.display,
                reason="joined during a raid",
                channel_id=event.channel_id or snap.view.settings.default_channel,
                rule="antispam.raid",
            )
            plan = plan_punishment(
                offense,
                punishment,
                cfg=snap.moderation,
                view=snap.view,
                now=now,
                next_case=snap.next_case,
                active_weight=0,
            )
            actions += plan.actions
            patches += plan.patches
            notes.append(f"{event.member.display} restricted ({', '.join(plan.summary)})")
    if not actions and not notes:
        return Decision.update(patches, f"{count} joins in {window} (raid at {raid.joins})")
    return Decision.act(actions, "; ".join(notes), patches)


async def load_raid_check(event: Event, cfg: AntispamConfig, ctx: RuleContext) -> RaidCheck:
    steps = await ctx.store.steps(ctx.community, kind_prefix=RAID_CHECK_STEP, due_before=ctx.now)
    return RaidCheck(await load_raid(event, cfg, ctx), tuple(s.id for s in steps))


@dataclass(frozen=True, slots=True)
class RaidCheck:
    raid: RaidState
    due_steps: tuple[int, ...]


@rule("antispam.raid_check", on=Tick, load=load_raid_check, jobs=("due",))
def raid_check(event: Tick, cfg: AntispamConfig, snap: RaidCheck, now: datetime) -> Decision:
    """Raid mode ends by itself after a quiet period without a surge of joins (checked when
    the quiet period after the last surge is over)."""
    if not snap.due_steps:
        return Decision.skip("no raid check is due")
    done = FinishSteps(snap.due_steps, now)
    if not snap.raid.state.get("active"):
        return Decision.update([done], "no raid")
    if not _raid_ended(cfg, snap.raid.state, now):
        return Decision.update([done], "raid still on: a later surge moved the check")
    actions, patch = _off(snap.raid, f"quiet for {format_duration(cfg.raid.quiet_period)}", now)
    return Decision.act(actions, "raid mode ended by itself", [done, patch])


@rule("antispam.raid_command", on=CommandInvoked, load=load_raid, commands=("raid",))
def raid_command(
    event: CommandInvoked, cfg: AntispamConfig, snap: RaidState, now: datetime
) -> Decision:
    texts = snap.view.texts
    wanted = str(event.args.get("state") or "").lower()
    active = bool(snap.state.get("active"))
    if wanted not in ("on", "off"):
        return Decision.act(
            [answer(event, texts.get("command.usage", usage="/raid on|off"))], "usage"
        )
    if (wanted == "on") == active:
        return Decision.act(
            [answer(event, texts.get("antispam.raid_already", state=wanted))],
            f"raid already {wanted}",
        )
    if wanted == "off":
        actions, patch = _off(snap, f"/raid off by {event.actor.display}", now)
        return Decision.act(
            [*actions, answer(event, actions[0].text_shown or "")],
            "raid mode ended by command",
            [patch],
        )
    why = f"/raid on by {event.actor.display}"
    state = {
        "active": True,
        "since": now.isoformat(),
        "last_surge": now.isoformat(),
        "why": why,
        "manual": True,
    }
    restriction = {
        "timeout": f"muted for {format_duration(cfg.raid.restrict_for)}",
        "kick": "removed",
        "none": "watched",
    }[cfg.raid.newcomers]
    text = texts.get(
        "antispam.raid_on",
        why=why,
        restriction=restriction,
        quiet=format_duration(cfg.raid.quiet_period),
    )
    return Decision.act(
        [AlertModerators(text=text), answer(event, text)],
        "raid mode started by command",
        [SetRaid(state, now)],
    )


# -- learning from moderators ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdicts:
    view: CommunityView
    moderation: ModerationConfig
    next_case: int
    target_standing: str
    active_weight: int
    in_force: InForce = field(default_factory=InForce)


async def load_verdict(event: Event, cfg: AntispamConfig, ctx: RuleContext) -> Verdicts:
    assert isinstance(event, CommandInvoked)
    target = event.target_user_id
    standing = await target_standing(ctx, target) if target else "member"
    weight, held = 0, InForce()
    if target and event.command == "spam" and cfg.spam_command.warn:
        weight = await mod_store.active_warning_weight(ctx.store, ctx.community, target, ctx.now)
    if target and event.command == "spam" and _restricts(cfg.spam_command):
        held = InForce.of(await mod_store.restrictions(ctx.store, ctx.community, target, ctx.now))
    return Verdicts(
        ctx.view, moderation_config(ctx.playbook), await next_case(ctx), standing, weight, held
    )


@rule("antispam.learn", on=CommandInvoked, load=load_verdict, commands=("spam", "notspam"))
def learn(event: CommandInvoked, cfg: AntispamConfig, snap: Verdicts, now: datetime) -> Decision:
    """/spam learns a spam sample and acts on the message; /notspam learns a ham sample."""
    texts = snap.view.texts
    text = event.target_message_text or ""
    if not event.target_message_id or not text.strip():
        return Decision.act(
            [answer(event, texts.get("antispam.needs_message", command=event.command))],
            "no message",
        )
    moderator = event.actor.user_id
    if event.command == "notspam":
        return Decision.act(
            [answer(event, texts.get("antispam.ham_learned"))],
            "learned a ham sample",
            [LearnSample("ham", text, moderator, now, event.target_user_id)],
        )
    learned = LearnSample("spam", text, moderator, now, event.target_user_id)
    target = event.target_user_id
    if not target or snap.target_standing != "member" or target == moderator:
        return Decision.act(
            [answer(event, texts.get("mod.protected", member=target or "?"))],
            "learned a spam sample; the author is protected",
            [learned],
        )
    offense = Offense(
        user_id=target,
        member_name=target,
        reason="/spam",
        actor_id=moderator,
        rule="antispam.spam_command",
        channel_id=event.channel_id,
        message_id=event.target_message_id,
        evidence=text,
    )
    plan = plan_punishment(
        offense,
        _punishment(cfg.spam_command, {}, None),
        cfg=snap.moderation,
        view=snap.view,
        now=now,
        next_case=snap.next_case,
        active_weight=snap.active_weight,
        in_force=snap.in_force,
    )
    confirm = answer(
        event,
        texts.get("antispam.spam_learned", member=target, actions=", ".join(plan.summary) or "-"),
    )
    return Decision.act(
        [*plan.actions, confirm], f"/spam on {target}: learned and acted", [learned, *plan.patches]
    )


# -- /automod explain ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Explained:
    view: CommunityView
    outcomes: tuple[RuleOutcome, ...]


async def load_explain(event: Event, cfg: AntispamConfig, ctx: RuleContext) -> Explained:
    """Reuses the engine's dry-run path on a probe message (as the core /explain does)."""
    assert isinstance(event, CommandInvoked)
    import rules as capabilities
    from bot.engine import Engine, explain_probe

    engine = Engine(capabilities.discover())
    outcomes = await engine.evaluate(explain_probe(event), ctx, explain=True)
    return Explained(ctx.view, tuple(o for o in outcomes if not o.rule.endswith(".track")))


@rule("antispam.explain", on=CommandInvoked, load=load_explain, commands=("automod",))
def explain(event: CommandInvoked, cfg: AntispamConfig, snap: Explained, now: datetime) -> Decision:
    lines = [f"{'✅' if o.fired else '·'} {o.rule}: {o.reason}" for o in snap.outcomes]
    text = "\n".join(lines) or "no rule looks at messages"
    return Decision.act([answer(event, text)], f"explained {len(lines)} rules")
