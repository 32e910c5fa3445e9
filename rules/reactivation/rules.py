"""Silent-member reactivation as pure rules: a daily sweep that nudges members who went quiet
(direct message where possible, else a rate-limited public digest), a comeback bonus when they
post again, /quiet to opt out, and /silent for moderators."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from bot.actions import Action, Post, Reply, SendDirect
from bot.configmodel import format_duration
from bot.events import CommandInvoked, Event, MessagePosted, Tick
from bot.rule import (
    AlreadyDone,
    ApplyContext,
    CommunityView,
    Decision,
    Patch,
    RuleContext,
    answer,
    rule,
)
from bot.state import CommunityState, MemberPart
from bot.store import CommunityRef, MemberInfo, Store
from rules.points import PointsConfig, level_up_actions, member_points, note_credits
from rules.points.common import in_window, local_day, say
from rules.points.ledger import PointsSnapshot
from rules.points.store import Credit
from rules.reactivation import store as q
from rules.reactivation.config import ReactivationConfig
from rules.reactivation.store import NewNudge, SweepNudge
from rules.welcome import WelcomeConfig, is_newcomer

SWEEP_JOB = "reactivation.sweep"
OPEN = "reactivation.open"  # state: member → when last nudged, while they stay silent
QUIET = "reactivation.quiet"  # state: the members who opted out with /quiet
# the community value (and state key) of when the last digest was posted
DIGEST_STATE = "reactivation.digest"
SWEPT = "reactivation.swept"  # state: the nudges a sweep reads (`SweepMemory`), once read


@dataclass(slots=True)
class SweepMemory:
    """The nudges the daily sweep must know of, read once and then kept current by the
    patches that record nudges and returns (each sweep re-read every never-returned nudge).
    Whole, not per member: an evicted member's nudges stay (a few rows each)."""

    since: datetime  # every nudge from here on is held, and every one not returned
    by_member: dict[str, list[SweepNudge]]

    def for_sweep(self, since: datetime) -> list[SweepNudge]:
        """What `nudges_for_sweep(since)` reads; drops the returned ones before `since`."""
        found: list[SweepNudge] = []
        for user_id, nudges in list(self.by_member.items()):
            kept = [n for n in nudges if n.nudged_at >= since or not n.returned]
            if len(kept) < len(nudges):
                if kept:
                    self.by_member[user_id] = kept
                else:
                    del self.by_member[user_id]
            found += kept
        self.since = max(self.since, since)
        return found

    def add(self, nudges: Iterable[NewNudge], at: datetime) -> None:
        for n in nudges:
            self.by_member.setdefault(n.user_id, []).append(
                SweepNudge(n.user_id, n.step, n.silent_since, at)
            )

    def returned(self, user_id: str, at: datetime) -> None:
        """As `mark_returned` closes them: the member's open nudges from before `at`."""
        nudges = self.by_member.get(user_id)
        if nudges:
            self.by_member[user_id] = [
                replace(n, returned=True) if not n.returned and n.nudged_at <= at else n
                for n in nudges
            ]


async def _swept(ctx: RuleContext, since: datetime) -> list[SweepNudge]:
    held = ctx.memory.get(SWEPT)
    if not isinstance(held, SweepMemory) or since < held.since:  # first sweep, or a longer cap
        by_member: dict[str, list[SweepNudge]] = {}
        for n in await q.nudges_for_sweep(ctx.store, ctx.community, since):
            by_member.setdefault(n.user_id, []).append(n)
        held = ctx.memory[SWEPT] = SweepMemory(since, by_member)
    return held.for_sweep(since)


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Who has an open nudge (so their next message is a comeback), from the nudges table;
    who opted out and when the last digest went out (so a daily sweep asks one query)."""
    state.memory[OPEN] = await q.open_nudges(store, ref)
    state.memory[QUIET] = await q.quiet_members(store, ref)
    digest = await store.get_state(ref, DIGEST_STATE) or {}
    state.memory[DIGEST_STATE] = datetime.fromisoformat(digest["at"]) if digest.get("at") else None


def _forget_members(state: CommunityState, user_ids: Collection[str]) -> None:
    opened = state.memory.get(OPEN, {})
    for user_id in user_ids:
        opened.pop(user_id, None)


async def _load_member(store: Store, ref: CommunityRef, state: CommunityState, user: str) -> None:
    if user not in state.memory.get(OPEN, {}):
        for user_id, at in (await q.open_nudges(store, ref, user)).items():
            state.memory.setdefault(OPEN, {}).setdefault(user_id, at)


# an evicted member's open nudge comes back with them (their next message is a comeback)
MEMBER_PART = MemberPart(_forget_members, _load_member)


# -- the daily sweep ---------------------------------------------------------------------------


RATE_PERIOD = timedelta(days=30)  # /silent shows how the nudges of this period worked


@dataclass(frozen=True, slots=True)
class SweepSnapshot:
    view: CommunityView
    members: list[MemberInfo]
    quiet: set[str]
    nudges: list[SweepNudge]
    last_digest: datetime | None
    welcome: WelcomeConfig
    rates: dict[int, q.StepRate] = field(default_factory=dict)  # for /silent only


def _welcome(playbook: Any) -> WelcomeConfig:
    cfg = getattr(playbook, "welcome", None)
    return cfg if isinstance(cfg, WelcomeConfig) else WelcomeConfig()


def _with_unflushed_activity(ctx: RuleContext, members: list[MemberInfo]) -> list[MemberInfo]:
    """Activity counters are written behind; a member who spoke a minute ago is not silent."""
    buffer = ctx.store.buffer
    if not buffer:  # nothing written behind since the last flush
        return members
    last_seen, community_id = buffer.last_seen, ctx.community.id
    fresh = []
    for member in members:
        seen = last_seen(community_id, member.user_id)
        if seen and (member.last_active_at is None or seen > member.last_active_at):
            member = replace(member, last_active_at=seen)
        fresh.append(member)
    return fresh


async def load_sweep(event: Event, cfg: ReactivationConfig, ctx: RuleContext) -> SweepSnapshot:
    members = [m for m in await ctx.state.present_members() if not m.is_bot]
    rates: dict[int, q.StepRate] = {}
    if isinstance(event, CommandInvoked):
        rates = await q.reactivation_rate(
            ctx.store, ctx.community, ctx.now - RATE_PERIOD, ctx.now, cfg.measure_window
        )
    return SweepSnapshot(
        ctx.view,
        _with_unflushed_activity(ctx, members),
        set(ctx.memory[QUIET]),
        await _swept(ctx, ctx.now - cfg.cap_period),
        ctx.memory[DIGEST_STATE],
        _welcome(ctx.playbook),
        rates,
    )


def silent_since(member: MemberInfo) -> datetime | None:
    return member.last_active_at or member.joined_at


def silence_tier(silence: timedelta, tiers: list[timedelta]) -> timedelta | None:
    reached = [t for t in tiers if silence >= t]
    return reached[-1] if reached else None


@dataclass(frozen=True, slots=True)
class RecordNudges(Patch):
    claims: ClassVar[bool] = True
    nudges: tuple[NewNudge, ...]
    at: datetime
    digest_posted: bool

    async def apply(self, ctx: ApplyContext) -> None:
        # all or none, like reminders: the digest names several members in one post; the
        # members not taken stay un-nudged, so the next sweep contacts them
        taken = await q.record_nudges(ctx.store, ctx.community, self.nudges, self.at)
        if taken:
            ctx.memory.pop(SWEPT, None)  # someone else recorded nudges: read them again
            raise AlreadyDone(f"{len(taken)} of {len(self.nudges)} nudges already recorded")
        swept = ctx.memory.get(SWEPT)
        if isinstance(swept, SweepMemory):
            swept.add(self.nudges, self.at)
        opened = ctx.memory.get(OPEN)
        if opened is not None:
            for nudge in self.nudges:
                opened[nudge.user_id] = self.at
        if self.digest_posted:
            await ctx.store.set_state(
                ctx.community, DIGEST_STATE, {"at": self.at.isoformat()}, self.at
            )
            ctx.memory[DIGEST_STATE] = self.at


# the answer to an ordinary message, made once (a Decision is immutable)
_NOT_NUDGED = Decision.skip("not a nudged member")


@rule("reactivation.sweep", on=Tick, load=load_sweep, jobs=(SWEEP_JOB,))
def on_sweep(ev: Tick, cfg: ReactivationConfig, snap: SweepSnapshot, now: datetime) -> Decision:
    view = snap.view
    if cfg.quiet_hours and in_window(
        view.local(now).time(), cfg.quiet_hours.start, cfg.quiet_hours.end
    ):
        return Decision.skip("quiet hours: nobody is contacted now")
    if not cfg.steps:
        return Decision.skip("no campaign steps in the playbook")
    contacts: dict[str, int] = {}
    done_steps: set[tuple[str, int, datetime]] = set()
    for n in snap.nudges:
        if n.nudged_at >= now - cfg.cap_period:
            contacts[n.user_id] = contacts.get(n.user_id, 0) + 1
        done_steps.add((n.user_id, n.step, n.silent_since))
    afters = [s.after for s in cfg.steps]
    direct: list[tuple[MemberInfo, int, datetime]] = []
    digest: list[tuple[MemberInfo, int, datetime]] = []
    # every test below only leaves a member out, so the cheapest go first (most members were
    # already nudged at the step their silence reached); the chosen are sorted afterwards
    for member in snap.members:
        since = member.last_active_at or member.joined_at  # silent_since
        if since is None or not member.present:
            continue
        # the last step this silence has reached (steps are in increasing order of silence)
        index = bisect_right(afters, now - since) - 1
        if index < 0 or (member.user_id, index, since) in done_steps:
            continue
        if member.user_id in snap.quiet or contacts.get(member.user_id, 0) >= cfg.contact_cap:
            continue
        if cfg.exclude_newcomers and is_newcomer(member, snap.welcome, now):
            continue
        step = cfg.steps[index]
        dm = step.via == "direct" or (step.via == "auto" and member.can_dm)
        if dm and member.can_dm:
            direct.append((member, index, since))
        elif step.via != "direct":
            digest.append((member, index, since))
    direct.sort(key=lambda chosen: chosen[0].user_id)
    digest.sort(key=lambda chosen: chosen[0].user_id)
    actions: list[Action] = []
    nudges: list[NewNudge] = []
    for member, index, since in direct:
        days = (now - since).days
        text = say(
            view,
            cfg.steps[index].text,
            "reactivation.direct",
            member=member.name or member.user_id,
            days=days,
        )
        actions.append(SendDirect(user_id=member.user_id, text=text))
        nudges.append(NewNudge(member.user_id, index, "direct", since))
    digest_posted = False
    digest_open = snap.last_digest is None or now - snap.last_digest >= cfg.digest.every
    if digest and digest_open:
        chosen = digest[: cfg.digest.max_mentions]
        names = ", ".join(m.name or m.user_id for m, _, _ in chosen)
        actions.append(
            Post(
                channel_id=cfg.digest.channel or view.settings.default_channel,
                text=say(view, cfg.digest.text, "reactivation.digest", members=names),
                mentions=tuple(m.user_id for m, _, _ in chosen),
            )
        )
        nudges += [NewNudge(m.user_id, i, "digest", s) for m, i, s in chosen]
        digest_posted = True
    if not nudges:
        why = "no silent member is due a contact"
        if digest and not digest_open:
            why = (
                f"{len(digest)} wait for the next digest (one every "
                f"{format_duration(cfg.digest.every)})"
            )
        return Decision.skip(why)
    return Decision.act(
        actions,
        f"nudged {len(direct)} by direct message, {len(nudges) - len(direct)} in a digest",
        [RecordNudges(tuple(nudges), now, digest_posted)],
    )


# -- coming back -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnSnapshot:
    view: CommunityView
    nudged_at: datetime
    points: PointsSnapshot | None
    points_cfg: PointsConfig | None


def load_return(event: Event, cfg: ReactivationConfig, ctx: RuleContext) -> Any:
    if type(event) is not MessagePosted or event.author.is_bot:
        return None
    nudged_at = ctx.memory.get(OPEN, {}).get(event.author.user_id)
    if nudged_at is None:
        return None  # the hot path: most messages stop here (and wait for nothing)
    return _load_return(event, ctx, nudged_at)


async def _load_return(
    event: MessagePosted, ctx: RuleContext, nudged_at: datetime
) -> ReturnSnapshot:
    points_cfg = getattr(ctx.playbook, "points", None)
    if not isinstance(points_cfg, PointsConfig) or not points_cfg.enabled:
        points_cfg = None
    points = await member_points(ctx, event.author.user_id) if points_cfg else None
    return ReturnSnapshot(ctx.view, nudged_at, points, points_cfg)


@dataclass(frozen=True, slots=True)
class MarkReturned(Patch):
    user_id: str
    at: datetime
    credits: tuple[Credit, ...]

    async def apply(self, ctx: ApplyContext) -> None:
        await q.mark_returned(ctx.store, ctx.community, self.user_id, self.at, self.credits)
        ctx.memory.get(OPEN, {}).pop(self.user_id, None)
        swept = ctx.memory.get(SWEPT)
        if isinstance(swept, SweepMemory):
            swept.returned(self.user_id, self.at)
        note_credits(ctx.memory, self.credits, self.at)


@rule("reactivation.comeback", on=MessagePosted, load=load_return)
def on_return(
    ev: MessagePosted, cfg: ReactivationConfig, snap: ReturnSnapshot | None, now: datetime
) -> Decision:
    if snap is None:
        return _NOT_NUDGED
    user = ev.author.user_id
    waited = ev.occurred_at - snap.nudged_at
    if waited < timedelta(0):
        # a replayed or late-delivered message from before the nudge is no comeback
        return Decision.skip(f"message from before the nudge of {snap.nudged_at:%Y-%m-%d %H:%M}")
    bonus = cfg.comeback.points if waited <= cfg.comeback.within else 0
    credits: tuple[Credit, ...] = ()
    if bonus:
        credits = (
            Credit(
                user,
                f"comeback:{user}:{snap.nudged_at.isoformat()}",
                "comeback",
                bonus,
                local_day(snap.view, ev.occurred_at),
            ),
        )
    actions: list[Action] = []
    if bonus and cfg.comeback.greet:
        actions.append(
            Reply(
                channel_id=ev.channel_id,
                reply_to=ev.message_id,
                user_id=user,
                text=say(
                    snap.view,
                    cfg.comeback.text,
                    "reactivation.comeback",
                    member=ev.author.display,
                    points=bonus,
                ),
            )
        )
    if bonus and snap.points is not None and snap.points_cfg is not None:
        levelled, _ = level_up_actions(
            snap.points_cfg,
            snap.view,
            user,
            ev.author.display,
            snap.points.xp,
            snap.points.xp + bonus,
            ev.channel_id,
        )
        actions += levelled
    after = format_duration(timedelta(minutes=max(1, round(waited.total_seconds() / 60))))
    why = f"{ev.author.display} posted {after} after a nudge" + (
        f": +{bonus} comeback bonus" if bonus else ""
    )
    return Decision.act(actions, why, [MarkReturned(user, ev.occurred_at, credits)])


# -- /quiet and /silent ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetQuiet(Patch):
    user_id: str
    quiet: bool
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await q.set_quiet(ctx.store, ctx.community, self.user_id, self.quiet, self.at)
        quiet = ctx.memory.setdefault(QUIET, set())
        if self.quiet:
            quiet.add(self.user_id)
        else:
            quiet.discard(self.user_id)


@rule("reactivation.quiet", on=CommandInvoked, commands=("quiet",))
def on_quiet(
    ev: CommandInvoked, cfg: ReactivationConfig, view: CommunityView, now: datetime
) -> Decision:
    quiet = str(ev.args.get("mode") or "on").lower() not in ("off", "no", "false", "0")
    text = say(
        view,
        cfg.quiet_reply if quiet else cfg.unquiet_reply,
        "reactivation.quiet" if quiet else "reactivation.unquiet",
    )
    return Decision.act(
        [answer(ev, text)],
        f"{ev.actor.display} {'opted out of' if quiet else 'opted back into'} nudges",
        [SetQuiet(ev.actor.user_id, quiet, now)],
    )


@rule("reactivation.silent", on=CommandInvoked, load=load_sweep, commands=("silent",))
def on_silent(
    ev: CommandInvoked, cfg: ReactivationConfig, snap: SweepSnapshot, now: datetime
) -> Decision:
    texts = snap.view.texts
    by_tier: dict[timedelta, list[str]] = {}
    for member in snap.members:
        since = silent_since(member)
        if since is None or not member.present:
            continue
        tier = silence_tier(now - since, cfg.tiers)
        if tier is not None:
            by_tier.setdefault(tier, []).append(member.name or member.user_id)
    if not by_tier:
        text = texts.get("reactivation.silent_none", days=cfg.tiers[0].days if cfg.tiers else 0)
    else:
        lines = [texts.get("reactivation.silent_title")]
        for tier in sorted(by_tier, reverse=True):
            names = sorted(by_tier[tier])
            shown = ", ".join(names[:30]) + (" …" if len(names) > 30 else "")
            lines.append(
                texts.get(
                    "reactivation.silent_tier", days=tier.days, count=len(names), members=shown
                )
            )
        text = "\n".join(lines)
    if snap.rates:
        lines = [
            texts.get(
                "reactivation.rate_title",
                days=RATE_PERIOD.days,
                window=format_duration(cfg.measure_window),
            )
        ]
        for index, rate in snap.rates.items():
            after = cfg.steps[index].after if index < len(cfg.steps) else None
            lines.append(
                texts.get(
                    "reactivation.rate_line",
                    step=index + 1,
                    after=format_duration(after) if after else "?",
                    returned=rate.returned,
                    nudged=rate.nudged,
                    rate=f"{rate.rate:.0%}",
                )
            )
        text += "\n\n" + "\n".join(lines)
    return Decision.act(
        [answer(ev, text)],
        f"{sum(len(v) for v in by_tier.values())} silent members listed",
    )
