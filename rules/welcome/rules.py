"""The welcome SOP as pure rules: greet, direct message, verify, follow up, stop on leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.actions import (
    Action,
    Ban,
    Button,
    DeleteMessage,
    Kick,
    Post,
    RemoveTimeout,
    Reply,
    SendDirect,
    Timeout,
)
from bot.configmodel import format_duration
from bot.events import (
    Actor,
    ButtonPressed,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Tick,
)
from bot.patches import FinishSteps, SettleSteps
from bot.rule import CommunityView, Decision, Patch, RuleContext, rule
from bot.store import MemberInfo, StepInfo
from bot.texts import plural
from rules.welcome.config import WelcomeConfig
from rules.welcome.steps import (
    FOLLOWUP,
    GREET,
    VERIFY,
    BatchPosted,
    CancelMemberSteps,
    MarkMembers,
    ScheduleStep,
    awaiting,
    batch_due,
)

VERIFY_BUTTON = "welcome.verify"
# the "open a chat with me" link of a welcome DM the member could not receive
DM_BUTTON = "welcome.dm"


# -- snapshots ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrival:
    """What greeting a member needs: their record and whether a join burst is on."""

    view: CommunityView
    member: MemberInfo | None
    recent_joins: int
    batch_due: datetime | None  # when the open batched greeting will be posted
    verify_step: StepInfo | None = None
    # why a newcomer is not greeted: still muted or banned, or restricted by raid mode
    held: str = ""


async def load_arrival(event: Event, cfg: WelcomeConfig, ctx: RuleContext) -> Arrival:
    user_id = event.user_id or ""
    member = await ctx.state.member(user_id)
    since = ctx.now - cfg.burst.window
    recent = ctx.state.joins_since(since)
    if recent is None:  # further back than the community state reaches
        recent = await ctx.store.count_joins_since(ctx.community, since)
    verify = None
    if cfg.verification.enabled and not isinstance(event, MemberJoined):
        found = await ctx.store.steps(ctx.community, kind_prefix=VERIFY, user_id=user_id)
        verify = found[0] if found else None
    held = await _held(event, ctx) if isinstance(event, MemberJoined) else ""
    return Arrival(ctx.view, member, recent, batch_due(ctx.state), verify, held)


async def _held(event: MemberJoined, ctx: RuleContext) -> str:
    """A member back while still timed out or banned, or arriving while raid mode restricts
    newcomers, is not welcomed (the greeting would cheer on the one just muted)."""
    from rules.antispam.config import AntispamConfig
    from rules.antispam.rules import raid_state
    from rules.moderation import store as mod_store

    user_id = event.member.user_id
    if mod_store.may_be_restricted(ctx.memory, user_id) and await mod_store.restrictions(
        ctx.store, ctx.community, user_id, ctx.now
    ):
        return "is still timed out or banned"
    antispam = getattr(ctx.playbook, "antispam", None)
    if isinstance(antispam, AntispamConfig) and antispam.enabled:
        raid = antispam.raid
        if raid.enabled and raid.newcomers != "none" and (await raid_state(ctx)).get("active"):
            return "arrived during raid mode, which restricts newcomers"
    return ""


@dataclass(frozen=True, slots=True)
class DueSteps:
    view: CommunityView
    steps: tuple[StepInfo, ...]
    members: dict[str, MemberInfo]
    # newcomers of a batched greeting timed out or banned since they joined: not greeted
    restricted: frozenset[str] = frozenset()


async def load_due(event: Event, cfg: WelcomeConfig, ctx: RuleContext) -> DueSteps:
    from rules.moderation import store as mod_store  # the cases say who is muted or banned

    steps = await ctx.store.steps(ctx.community, kind_prefix="welcome.", due_before=ctx.now)
    members = {}
    for user_id in {s.user_id for s in steps if s.user_id}:
        info = await ctx.state.member(user_id)
        if info:
            members[user_id] = info
    restricted = set()
    for user_id in {s.user_id for s in steps if s.kind == GREET and s.user_id}:
        if not mod_store.may_be_restricted(ctx.memory, user_id):
            continue  # never had a timeout or ban case: no query
        if await mod_store.restrictions(ctx.store, ctx.community, user_id, ctx.now):
            restricted.add(user_id)
    return DueSteps(ctx.view, tuple(steps), members, frozenset(restricted))


# -- helpers -----------------------------------------------------------------------------------


def _values(view: CommunityView, member: Actor | MemberInfo | None = None, **extra: object) -> dict:
    name = ""
    if isinstance(member, Actor):
        name = member.display
    elif member is not None:
        name = member.name or member.user_id
    return {"community": view.settings.name, "member": name, **extra}


def _channel(cfg: WelcomeConfig, view: CommunityView) -> str:
    return cfg.channel or view.settings.default_channel


def _greeting_plan(
    actor: Actor, cfg: WelcomeConfig, snap: Arrival, now: datetime
) -> tuple[list[Action], list[Patch], str]:
    """Greeting, direct message and follow-ups for a member who is in (joined or verified)."""
    member = snap.member
    if member and member.greeted_at and now - member.greeted_at < cfg.regreet_after:
        ago = format_duration(timedelta(seconds=int((now - member.greeted_at).total_seconds())))
        return (
            [],
            [],
            f"{actor.display} rejoined; greeted {ago} ago (regreet_after "
            f"{format_duration(cfg.regreet_after)})",
        )
    view = snap.view
    actions: list[Action] = []
    patches: list[Patch] = [MarkMembers((actor.user_id,), {"greeted_at": now})]
    if snap.batch_due or snap.recent_joins >= cfg.burst.joins:
        due = snap.batch_due or now + cfg.burst.window
        patches.append(
            ScheduleStep(
                GREET,
                f"{GREET}:{actor.user_id}:{now.isoformat()}",
                due,
                now,
                actor.user_id,
                {"name": actor.display},
            )
        )
        why = (
            f"join burst ({snap.recent_joins} joins in {format_duration(cfg.burst.window)}): "
            "greeting batched"
        )
    else:
        actions.append(
            Post(
                channel_id=_channel(cfg, view),
                text=cfg.greeting.render(_values(view, actor)),
                mentions=(actor.user_id,),
            )
        )
        why = f"{actor.display} joined"
    if cfg.direct_message is not None:
        text = cfg.direct_message.render(_values(view, actor))
        actions.append(SendDirect(user_id=actor.user_id, text=text, on_start=DM_BUTTON))
    for i, follow in enumerate(cfg.followups):
        patches.append(
            ScheduleStep(
                FOLLOWUP,
                f"{FOLLOWUP}:{actor.user_id}:{now.isoformat()}:{i}",
                now + follow.after,
                now,
                actor.user_id,
                {"index": i, "joined_at": now.isoformat()},
            )
        )
    return actions, patches, why


# -- rules -------------------------------------------------------------------------------------


# the answer to an ordinary message, made once (a Decision is immutable)
_NOTHING_PENDING = Decision.skip("no verification pending for this member")


@rule("welcome.join", on=MemberJoined, load=load_arrival)
def on_join(ev: MemberJoined, cfg: WelcomeConfig, snap: Arrival, now: datetime) -> Decision:
    if ev.member.is_bot and not cfg.greet_bots:
        return Decision.skip(f"{ev.member.display} is a bot")
    if snap.held:
        return Decision.skip(f"{ev.member.display} {snap.held}: not greeted")
    verification = cfg.verification
    if verification.enabled:
        view = snap.view
        timeout = format_duration(verification.timeout)
        prompt = verification.prompt.render(_values(view, ev.member, timeout=timeout))
        actions: list[Action] = []
        buttons: tuple[Button, ...] = ()
        if verification.mode == "button":
            # muted until verified; the deadline step removes them if they never press
            actions.append(
                Timeout(
                    user_id=ev.member.user_id,
                    until=now + verification.timeout + timedelta(minutes=1),
                    reason="waiting for verification",
                )
            )
            buttons = (Button(verification.button_label, f"{VERIFY_BUTTON}:{ev.member.user_id}"),)
        actions.append(
            Post(
                channel_id=_channel(cfg, view),
                text=prompt,
                buttons=buttons,
                mentions=(ev.member.user_id,),
            )
        )
        patch = ScheduleStep(
            VERIFY,
            f"{VERIFY}:{ev.member.user_id}:{now.isoformat()}",
            now + verification.timeout,
            now,
            ev.member.user_id,
            {"name": ev.member.display},
        )
        return Decision.act(
            actions, f"{ev.member.display} joined; verification required within {timeout}", [patch]
        )
    actions, patches, why = _greeting_plan(ev.member, cfg, snap, now)
    if not actions and not patches:
        return Decision.skip(why)
    return Decision.act(actions, why, patches)


def _verified(actor: Actor, cfg: WelcomeConfig, snap: Arrival, now: datetime, how: str) -> Decision:
    assert snap.verify_step is not None
    actions: list[Action] = []
    if cfg.verification.mode == "button":
        actions.append(RemoveTimeout(user_id=actor.user_id, reason="verified"))
    greet, patches, why = _greeting_plan(actor, cfg, snap, now)
    patches = [
        FinishSteps((snap.verify_step.id,), now),
        MarkMembers((actor.user_id,), {"verified_at": now}),
        *patches,
    ]
    return Decision.act(
        actions + greet, f"{actor.display} verified ({how}); {why}", patches, stop=True
    )


@rule("welcome.verify_button", on=ButtonPressed, load=load_arrival)
def on_button(ev: ButtonPressed, cfg: WelcomeConfig, snap: Arrival, now: datetime) -> Decision:
    if not ev.custom_id.startswith(VERIFY_BUTTON + ":"):
        return Decision.skip("not a verification button")
    if ev.custom_id != f"{VERIFY_BUTTON}:{ev.actor.user_id}":
        return Decision.skip(f"{ev.actor.display} pressed someone else's verification button")
    if snap.verify_step is None:
        return Decision.skip(f"{ev.actor.display} has no verification pending")
    return _verified(ev.actor, cfg, snap, now, "button")


@rule("welcome.dm_link", on=ButtonPressed)
def on_dm_link(
    ev: ButtonPressed, cfg: WelcomeConfig, view: CommunityView, now: datetime
) -> Decision:
    """The member pressed Start on the link of a welcome DM they could not receive: send it."""
    if ev.custom_id != DM_BUTTON:
        return Decision.skip("not the welcome message link")
    if cfg.direct_message is None:
        return Decision.skip("the playbook has no welcome direct_message")
    text = cfg.direct_message.render(_values(view, ev.actor))
    return Decision.act(
        [SendDirect(user_id=ev.actor.user_id, text=text)],
        f"{ev.actor.display} opened a chat with the bot: welcome message delivered",
    )


def load_answer(event: Event, cfg: WelcomeConfig, ctx: RuleContext) -> Any:
    # the hot path: only members with a pending answer check cost a full snapshot (and wait)
    if not (cfg.verification.enabled and cfg.verification.mode == "answer"):
        return None
    if event.user_id not in awaiting(ctx.state):
        return None
    return _load_answer(event, cfg, ctx)


async def _load_answer(event: Event, cfg: WelcomeConfig, ctx: RuleContext) -> Arrival | None:
    found = await ctx.store.steps(ctx.community, kind_prefix=VERIFY, user_id=event.user_id)
    if not found:
        awaiting(ctx.state).discard(event.user_id or "")
    return await load_arrival(event, cfg, ctx) if found else None


def no_answer_expected(ev: MessagePosted, cfg: WelcomeConfig) -> Decision | None:
    """The gate of `welcome.verify_answer`: without answer verification, no message is one
    (said without the loader's or the rule's call)."""
    if not (cfg.verification.enabled and cfg.verification.mode == "answer"):
        return _NOTHING_PENDING
    return None


@rule("welcome.verify_answer", on=MessagePosted, load=load_answer, gate=no_answer_expected)
def on_answer(
    ev: MessagePosted, cfg: WelcomeConfig, snap: Arrival | None, now: datetime
) -> Decision:
    if snap is None or snap.verify_step is None:
        return _NOTHING_PENDING
    expected = (cfg.verification.answer or "").strip().casefold()
    if ev.text.strip().casefold() == expected:
        return _verified(ev.author, cfg, snap, now, "answer")
    text = cfg.verification.wrong_answer.render(_values(snap.view, ev.author))
    return Decision.act(
        [
            DeleteMessage(
                channel_id=ev.channel_id, message_id=ev.message_id, user_id=ev.author.user_id
            ),
            Reply(channel_id=ev.channel_id, text=text, user_id=ev.author.user_id),
        ],
        f"{ev.author.display} has not verified yet and wrote something else",
        stop=True,
    )


@rule("welcome.leave", on=MemberLeft)
def on_leave(ev: MemberLeft, cfg: WelcomeConfig, view: CommunityView, now: datetime) -> Decision:
    return Decision.update(
        [CancelMemberSteps(ev.member.user_id, now)],
        f"{ev.member.display} left: pending welcome steps cancelled",
    )


@rule("welcome.due", on=Tick, load=load_due, jobs=("due",))
def on_due(ev: Tick, cfg: WelcomeConfig, snap: DueSteps, now: datetime) -> Decision:
    if not snap.steps:
        return Decision.skip("no welcome step is due")
    view = snap.view
    actions: list[Action] = []
    reasons: list[str] = []
    batch = [
        s
        for s in snap.steps
        if s.kind == GREET
        and s.user_id in snap.members
        and snap.members[s.user_id].present
        and s.user_id not in snap.restricted
    ]
    gone = sum(1 for s in snap.steps if s.kind == GREET) - len(batch)
    if gone:
        reasons.append(f"{plural(gone, 'newcomer')} left, removed or muted before the greeting")
    names = [s.payload.get("name") or s.user_id or "" for s in batch]
    if len(batch) == 1:  # a "burst" of one is an ordinary greeting
        member = snap.members[batch[0].user_id or ""]
        actions.append(
            Post(
                channel_id=_channel(cfg, view),
                text=cfg.greeting.render(_values(view, member)),
                mentions=(member.user_id,),
            )
        )
        reasons.append(f"greeting for {names[0]} (the only newcomer of the burst left)")
    elif batch:
        actions.append(
            Post(
                channel_id=_channel(cfg, view),
                text=cfg.batch_greeting.render(
                    _values(view, members=view.texts.join(names), count=len(names))
                ),
                mentions=tuple(s.user_id for s in batch if s.user_id),
            )
        )
        reasons.append(f"batched greeting for {len(names)} newcomers")
    for step in snap.steps:
        member = snap.members.get(step.user_id or "")
        if step.kind == FOLLOWUP and member and member.present:
            index = int(step.payload.get("index", 0))
            if index >= len(cfg.followups):
                continue  # the playbook no longer has this follow-up
            follow = cfg.followups[index]
            joined = datetime.fromisoformat(step.payload["joined_at"])
            if follow.only_if_silent and member.posted_since(joined):
                reasons.append(f"{member.name} has posted since joining: follow-up {index} skipped")
                continue
            text = follow.text.render(_values(view, member))
            if follow.where == "direct":
                actions.append(SendDirect(user_id=member.user_id, text=text))
            else:
                actions.append(
                    Post(channel_id=_channel(cfg, view), text=text, mentions=(member.user_id,))
                )
            reasons.append(f"{member.name} silent since joining: follow-up {index}")
        elif step.kind == VERIFY and member and member.present:
            if member.verified_at and member.joined_at and member.verified_at >= member.joined_at:
                continue
            removal = cfg.verification.on_timeout
            if removal == "kick":
                actions.append(Kick(user_id=member.user_id, reason="did not verify in time"))
            elif removal == "ban":
                actions.append(Ban(user_id=member.user_id, reason="did not verify in time"))
            if removal != "none":
                actions.append(
                    Post(
                        channel_id=_channel(cfg, view),
                        text=cfg.verification.removed_text.render(_values(view, member)),
                    )
                )
            reasons.append(
                f"{member.name} did not verify within {format_duration(cfg.verification.timeout)}"
            )
    ids = tuple(s.id for s in snap.steps)
    # nothing to carry out (a follow-up for a newcomer who spoke): no claim transaction
    finish = FinishSteps(ids, now) if actions else SettleSteps(ids, now)
    # first: once these steps are done or taken by someone else, the batch is no longer open
    posted = BatchPosted(tuple(s.key for s in snap.steps if s.kind == GREET))
    return Decision.act(
        actions, "; ".join(reasons) or "due steps no longer apply", [posted, finish]
    )
