"""Referrals as pure rules: /invite, attribution of every join, rewards once an invitee stayed,
take-backs, campaigns with their leaderboard and closing post, /invites and /referral.

Exactly once: a join is one row (unique member + time), a reward is decided by moving that row
from `pending` (only one decider wins), and the points are a ledger row keyed by the invitee —
so a member can earn their inviter points once ever, however often they come and go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.actions import (
    Action,
    AddRole,
    AlertModerators,
    CreateInvite,
    Post,
    RemoveRole,
    SendDirect,
)
from bot.configmodel import format_duration
from bot.events import CommandInvoked, Event, MemberJoined, MemberLeft, Tick
from bot.patches import Claim, FinishSteps
from bot.rule import CommunityView, Decision, RuleContext, answer, rule
from bot.store import MemberInfo, StepInfo
from rules.moderation.store import cases_for
from rules.points.common import local_day, say
from rules.points.ledger import Pay
from rules.points.store import Credit
from rules.referrals.config import Campaign, ReferralsConfig
from rules.referrals.state import CHECK, RECHECK, Decide, RecordJoin, SaveLink, part
from rules.referrals.store import JoinRecord, StatusChange

CAMPAIGN_JOB = "referrals.campaigns"
PUNISHMENTS = frozenset({"warn", "timeout", "kick", "ban"})
SOURCE = "referral"  # the points ledger's source of referral rewards


def _name(members: dict[str, MemberInfo | None], user_id: str | None) -> str:
    if user_id is None:
        return "?"
    info = members.get(user_id)
    return info.name if info is not None and info.name else user_id


def _days(cfg: ReferralsConfig) -> int:
    return max(1, round(cfg.rewards.after / timedelta(days=1)))


def _running(cfg: ReferralsConfig, view: CommunityView, at: datetime) -> list[Campaign]:
    found = []
    for campaign in cfg.campaigns:
        start, end = campaign.window(view.tz)
        if start <= at < end:
            found.append(campaign)
    return found


def _campaign_at(cfg: ReferralsConfig, view: CommunityView, at: datetime) -> Campaign | None:
    """The campaign a join at `at` counts for (the first running one)."""
    running = _running(cfg, view, at)
    return running[0] if running else None


def _paid(cfg: ReferralsConfig, ctx: RuleContext) -> int:
    """The points a reward pays: none while the points capability is off (no /rank to see)."""
    points = getattr(ctx.playbook, "points", None)
    return cfg.rewards.points if points is not None and points.enabled else 0


def _member_values(cfg: ReferralsConfig, points: int) -> dict[str, object]:
    return {"days": _days(cfg), "messages": cfg.rewards.min_messages, "points": points}


def _with_points(key: str, points: int) -> str:
    """The text that promises or reports points, or its variant without them."""
    return key if points else f"{key}_no_points"


# -- /invite -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InviteSnap:
    view: CommunityView
    link: str | None
    rewarded: int
    points: int


async def load_invite(event: Event, cfg: ReferralsConfig, ctx: RuleContext) -> InviteSnap:
    assert isinstance(event, CommandInvoked)
    mine = part(ctx.memory)
    user = event.actor.user_id
    return InviteSnap(ctx.view, mine.current.get(user), len(mine.rewarded(user)), _paid(cfg, ctx))


@rule("referrals.invite", on=CommandInvoked, load=load_invite, commands=("invite",))
def on_invite(
    ev: CommandInvoked, cfg: ReferralsConfig, snap: InviteSnap, now: datetime
) -> Decision:
    actor = ev.actor
    if actor.is_bot:
        return Decision.skip(f"{actor.display} is a bot")
    texts = snap.view.texts
    fresh = str(ev.args.get("new") or "").strip().casefold() == "new"
    values = {**_member_values(cfg, snap.points), "count": snap.rewarded}
    key = _with_points("referrals.link", snap.points)
    if snap.link and not fresh:
        text = texts.get(key, link=snap.link, **values)
        return Decision.act([answer(ev, text)], f"{actor.display} has a link already")
    text = texts.get(key, **values)  # {link} stays for the adapter to fill
    if "{link}" not in text:
        text += " {link}"
    create = CreateInvite(
        user_id=actor.user_id,
        name=f"qunbot: {actor.display}"[:32],
        channel_id=ev.channel_id,
        text=text,
        reply_to=ev.message_id,
        ephemeral=True,
        join_request=cfg.links.join_request,
    )
    why = f"a new invite link for {actor.display}" + (" (replacing theirs)" if snap.link else "")
    return Decision.act([create], why, [SaveLink(actor.user_id, ev.occurred_at)])


# -- joins -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JoinSnap:
    view: CommunityView
    member: MemberInfo | None
    link: str | None  # the stored link the join came through
    inviter: str | None
    inviter_info: MemberInfo | None
    through_link: int  # earlier joins through the same link within the flood window
    campaign: Campaign | None
    points: int


async def load_join(event: Event, cfg: ReferralsConfig, ctx: RuleContext) -> JoinSnap:
    assert isinstance(event, MemberJoined)
    mine = part(ctx.memory)
    link = mine.find_link(event.invite) if event.invite else None
    inviter = mine.links.get(link) if link else None
    since = event.occurred_at - cfg.flood.window
    recent = (
        sum(1 for r in reversed(mine.rows) if r.invite == link and r.joined_at >= since)
        if link
        else 0
    )
    return JoinSnap(
        ctx.view,
        await ctx.state.member(event.member.user_id),
        link,
        inviter,
        await ctx.state.member(inviter) if inviter else None,
        recent,
        _campaign_at(cfg, ctx.view, event.occurred_at) if inviter else None,
        _paid(cfg, ctx),
    )


def _returning(member: MemberInfo | None, at: datetime) -> bool:
    """Was here before: joined before, or wrote before this join."""
    if member is None:
        return False
    return member.join_count > 1 or (
        member.first_message_at is not None and member.first_message_at < at
    )


@rule("referrals.join", on=MemberJoined, load=load_join)
def on_join(ev: MemberJoined, cfg: ReferralsConfig, snap: JoinSnap, now: datetime) -> Decision:
    who = ev.member
    at = ev.occurred_at
    actions: list[Action] = []
    if snap.inviter is not None:
        source = "member"
    elif ev.invite:
        source = "link"  # a link the bot did not make for a member: never guessed
    elif ev.invite_note:
        source = "unknown"
    else:
        source = "none"
    note = ev.invite_note
    status = "none"
    if source == "member":
        status = "ineligible"
        if who.is_bot:
            note = "bot"
        elif snap.inviter == who.user_id:
            note = "self"
        elif _returning(snap.member, at):
            note = "returning"
        elif snap.through_link + 1 >= cfg.flood.joins:
            note = "flood"
            if snap.through_link + 1 == cfg.flood.joins:
                actions.append(
                    AlertModerators(
                        text=snap.view.texts.get(
                            "referrals.flood",
                            joins=cfg.flood.joins,
                            member=snap.inviter_info.name if snap.inviter_info else snap.inviter,
                            window=snap.view.texts.duration(format_duration(cfg.flood.window)),
                            link=snap.link,
                        ),
                        user_id=snap.inviter,
                    )
                )
        else:
            status = "pending"
    rec = JoinRecord(
        who.user_id,
        at,
        source,
        snap.link or ev.invite,
        snap.inviter,
        snap.campaign.name if snap.campaign and status == "pending" else None,
        status,
        note,
    )
    check_at = at + cfg.rewards.after if status == "pending" else None
    inviter_name = snap.inviter_info.name if snap.inviter_info else snap.inviter
    if status == "pending" and cfg.links.notify_join and snap.inviter:
        info = snap.inviter_info  # None: never seen writing — a DM is worth trying
        if info is None or (info.present and info.can_dm):
            actions.append(
                SendDirect(
                    user_id=snap.inviter,
                    text=snap.view.texts.get(
                        _with_points("referrals.joined", snap.points),
                        invitee=who.display,
                        **_member_values(cfg, snap.points),
                    ),
                )
            )
    if source == "member":
        why = f"{who.display} joined through {inviter_name}'s link"
        why += f"; reward check at {check_at:%Y-%m-%d %H:%M}" if check_at else f" ({note})"
        if rec.campaign:
            why += f"; counts for {rec.campaign}"
    elif source == "link":
        why = f"{who.display} joined through {ev.invite}, which is no member's link"
    elif source == "unknown":
        why = f"{who.display} joined; the invite is unknown ({note})"
    else:
        why = f"{who.display} joined without an invite link"
    return Decision.act(actions, why, [RecordJoin(rec, check_at)])


# -- leaves and take-backs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeaveSnap:
    view: CommunityView
    rec: JoinRecord | None
    inviter_info: MemberInfo | None
    inviter_rewarded: int
    points: int


async def load_leave(event: Event, cfg: ReferralsConfig, ctx: RuleContext) -> LeaveSnap:
    assert isinstance(event, MemberLeft)
    mine = part(ctx.memory)
    rec = mine.latest.get(event.member.user_id)
    inviter = rec.inviter if rec else None
    return LeaveSnap(
        ctx.view,
        rec,
        await ctx.state.member(inviter) if inviter else None,
        len(mine.rewarded(inviter)) if inviter else 0,
        _paid(cfg, ctx),
    )


@dataclass(slots=True)
class _Plan:
    """What one decision changes: joins moved on, points, roles, posts."""

    changes: list[StatusChange] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    rechecks: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _tell(
    cfg: ReferralsConfig, view: CommunityView, plan: _Plan, inviter: str, info: MemberInfo | None,
    text: str,
) -> None:  # fmt: skip
    """Tell the inviter, as the playbook says (a DM only to those the bot may write to)."""
    how = cfg.rewards.notify
    if how == "direct" and (info is None or info.can_dm):
        plan.actions.append(SendDirect(user_id=inviter, text=text))
    elif how == "channel" or how == "direct":
        channel = cfg.rewards.channel or view.settings.default_channel
        plan.actions.append(Post(channel_id=channel, text=text, mentions=(inviter,)))


def _revoke(
    cfg: ReferralsConfig, view: CommunityView, plan: _Plan, rec: JoinRecord, now: datetime,
    info: MemberInfo | None, rewarded: int, why: str, points: int,
) -> None:  # fmt: skip
    assert rec.inviter is not None
    plan.changes.append(StatusChange(rec.user_id, rec.joined_at, "revoked", why, "rewarded"))
    if points:
        plan.credits.append(
            Credit(
                rec.inviter,
                f"referral-revoke:{rec.user_id}",
                SOURCE,
                -points,
                local_day(view, now),
                reason=f"{rec.user_id} {why}",
            )
        )
    for count, role in sorted(cfg.rewards.roles.items()):
        if rewarded >= count > rewarded - 1:
            plan.actions.append(
                RemoveRole(user_id=rec.inviter, role=role, reason=f"invitee {rec.user_id} {why}")
            )
    if info is None or info.present:
        _tell(
            cfg, view, plan, rec.inviter, info,
            view.texts.get(
                _with_points("referrals.revoked", points), invitee=rec.user_id, points=points
            ),
        )  # fmt: skip
    plan.reasons.append(f"the reward for {rec.user_id} was taken back: {why}")


@rule("referrals.leave", on=MemberLeft, load=load_leave)
def on_leave(ev: MemberLeft, cfg: ReferralsConfig, snap: LeaveSnap, now: datetime) -> Decision:
    rec = snap.rec
    who = ev.member.display
    if rec is None or rec.inviter is None:
        return Decision.skip(f"{who} was not invited by a member")
    stayed = ev.occurred_at - rec.joined_at
    if rec.status == "pending":
        change = StatusChange(
            rec.user_id, rec.joined_at, "left", f"left after {format_duration(stayed)}", "pending"
        )
        patch = Decide((change,), ev.occurred_at, cancel_steps_of=rec.user_id)
        return Decision.update([patch], f"{who} left within the window: no reward")
    if rec.status != "rewarded" or not cfg.rewards.revoke:
        return Decision.skip(f"{who} left; their referral is {rec.status}")
    if stayed > cfg.rewards.revoke_within:
        return Decision.skip(f"{who} left after {format_duration(stayed)}: the reward stays")
    plan = _Plan()
    _revoke(
        cfg, snap.view, plan, rec, now, snap.inviter_info, snap.inviter_rewarded,
        f"left after {format_duration(stayed)}", snap.points,
    )  # fmt: skip
    patches = [Decide(tuple(plan.changes), ev.occurred_at, cancel_steps_of=rec.user_id)]
    if plan.credits:
        patches.append(Pay(tuple(plan.credits), ev.occurred_at))
    return Decision.act(plan.actions, "; ".join(plan.reasons), patches)


# -- the reward check --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueItem:
    step: StepInfo
    rec: JoinRecord | None
    punished: bool  # a case against the invitee since they joined


@dataclass(frozen=True, slots=True)
class DueSnap:
    view: CommunityView
    items: tuple[DueItem, ...]
    members: dict[str, MemberInfo | None]
    rewarded: dict[str, int]  # inviter → rewards so far
    rewarded_today: dict[str, int]
    in_campaign: dict[tuple[str, str], int]  # (campaign, inviter) → rewards so far
    points: int


async def load_due(event: Event, cfg: ReferralsConfig, ctx: RuleContext) -> DueSnap | None:
    steps = await ctx.store.steps(ctx.community, kind_prefix="referrals.", due_before=ctx.now)
    if not steps:
        return None
    mine = part(ctx.memory)
    today = local_day(ctx.view, ctx.now)
    items: list[DueItem] = []
    members: dict[str, MemberInfo | None] = {}
    for step in steps:
        joined = datetime.fromisoformat(str(step.payload.get("joined_at")))
        rec = next(
            (r for r in mine.rows if r.user_id == step.user_id and r.joined_at == joined), None
        )
        punished = False
        if rec is not None and rec.inviter is not None:
            cases = await cases_for(ctx.store, ctx.community, rec.user_id, limit=50)
            punished = any(
                c.action in PUNISHMENTS and c.created_at >= rec.joined_at and c.reversed_at is None
                for c in cases
            )
            for user in (rec.user_id, rec.inviter):
                members[user] = await ctx.state.member(user)
        items.append(DueItem(step, rec, punished))
    rewarded: dict[str, int] = {}
    rewarded_today: dict[str, int] = {}
    in_campaign: dict[tuple[str, str], int] = {}
    for r in mine.rewarded():
        assert r.inviter is not None
        rewarded[r.inviter] = rewarded.get(r.inviter, 0) + 1
        if r.decided_at is not None and local_day(ctx.view, r.decided_at) == today:
            rewarded_today[r.inviter] = rewarded_today.get(r.inviter, 0) + 1
        if r.campaign:
            key = (r.campaign, r.inviter)
            in_campaign[key] = in_campaign.get(key, 0) + 1
    return DueSnap(
        ctx.view, tuple(items), members, rewarded, rewarded_today, in_campaign, _paid(cfg, ctx)
    )


def _verdict(
    cfg: ReferralsConfig, snap: DueSnap, rec: JoinRecord, punished: bool
) -> tuple[str, str]:
    member = snap.members.get(rec.user_id)
    inviter = snap.members.get(rec.inviter or "")
    if member is None or not member.present:
        return "left", "not in the community at the check"
    if punished:
        return "punished", "a moderation case since joining"
    if member.message_count < cfg.rewards.min_messages:
        return "inactive", f"{member.message_count} of {cfg.rewards.min_messages} messages"
    if inviter is not None and not inviter.present:
        return "ineligible", "the inviter is no longer in the community"
    assert rec.inviter is not None
    daily, total = cfg.rewards.daily_cap, cfg.rewards.total_cap
    if daily is not None and snap.rewarded_today.get(rec.inviter, 0) >= daily:
        return "capped", f"daily cap of {daily} reached"
    if total is not None and snap.rewarded.get(rec.inviter, 0) >= total:
        return "capped", f"total cap of {total} reached"
    return "rewarded", f"stayed {_days(cfg)} days and wrote {member.message_count} messages"


def _reward(
    cfg: ReferralsConfig, snap: DueSnap, plan: _Plan, rec: JoinRecord, now: datetime, note: str
) -> None:
    assert rec.inviter is not None
    view, inviter = snap.view, rec.inviter
    day = local_day(view, now)
    before = snap.rewarded.get(inviter, 0)
    after = before + 1
    snap.rewarded[inviter] = after
    snap.rewarded_today[inviter] = snap.rewarded_today.get(inviter, 0) + 1
    plan.changes.append(StatusChange(rec.user_id, rec.joined_at, "rewarded", note, "pending"))
    if cfg.rewards.revoke:
        plan.rechecks.append(
            (rec.user_id, rec.joined_at, rec.joined_at + cfg.rewards.revoke_within)
        )
    invitee = _name(snap.members, rec.user_id)
    if snap.points:
        plan.credits.append(
            Credit(
                inviter, f"referral:{rec.user_id}", SOURCE, snap.points, day,
                reason=f"invited {rec.user_id}",
            )
        )  # fmt: skip
    roles = [role for count, role in sorted(cfg.rewards.roles.items()) if before < count <= after]
    plan.actions += [
        AddRole(user_id=inviter, role=role, reason=f"{after} invited members stayed")
        for role in roles
    ]
    role_text = "".join(view.texts.get("referrals.role", role=role) for role in roles)
    info = snap.members.get(inviter)
    text = say(
        view, cfg.rewards.text, _with_points("referrals.rewarded", snap.points),
        member=_name(snap.members, inviter), invitee=invitee, points=snap.points,
        count=after, role_text=role_text,
    )  # fmt: skip
    _tell(cfg, view, plan, inviter, info, text)
    plan.reasons.append(f"{_name(snap.members, inviter)} rewarded for {invitee}: {note}")
    campaign = next((c for c in cfg.campaigns if c.name == rec.campaign), None)
    if campaign is None or campaign.goal is None:
        return
    key = (campaign.name, inviter)
    done = snap.in_campaign.get(key, 0) + 1
    snap.in_campaign[key] = done
    if done != campaign.goal:
        return
    if campaign.role:
        plan.actions.append(
            AddRole(user_id=inviter, role=campaign.role, reason=f"goal of {campaign.name}")
        )
    if campaign.points and snap.points:
        plan.credits.append(
            Credit(
                inviter, f"referral-goal:{campaign.name}:{inviter}", SOURCE, campaign.points, day,
                reason=f"goal of {campaign.name}",
            )
        )  # fmt: skip
    plan.actions.append(
        Post(
            channel_id=campaign.channel or view.settings.default_channel,
            mentions=(inviter,),
            text=view.texts.get(
                "referrals.goal",
                member=_name(snap.members, inviter),
                campaign=campaign.shown,
                goal=campaign.goal,
                role_text=view.texts.get("referrals.role", role=campaign.role)
                if campaign.role
                else "",
            ),
        )
    )
    plan.reasons.append(f"{_name(snap.members, inviter)} reached the goal of {campaign.name}")


@rule("referrals.due", on=Tick, load=load_due, jobs=("due",))
def on_due(ev: Tick, cfg: ReferralsConfig, snap: DueSnap | None, now: datetime) -> Decision:
    if snap is None:
        return Decision.skip("no referral check is due")
    plan = _Plan()
    for item in snap.items:
        rec = item.rec
        if rec is None or rec.inviter is None:
            continue
        if item.step.kind == CHECK and rec.status == "pending":
            status, note = _verdict(cfg, snap, rec, item.punished)
            if status == "rewarded":
                _reward(cfg, snap, plan, rec, now, note)
            else:
                plan.changes.append(
                    StatusChange(rec.user_id, rec.joined_at, status, note, "pending")
                )
                plan.reasons.append(f"no reward for {rec.user_id}: {note}")
        elif (
            item.step.kind == RECHECK
            and rec.status == "rewarded"
            and cfg.rewards.revoke
            and item.punished
        ):
            inviter = rec.inviter
            _revoke(
                cfg, snap.view, plan, rec, now, snap.members.get(inviter),
                snap.rewarded.get(inviter, 0), "punished within the window", snap.points,
            )  # fmt: skip
            snap.rewarded[inviter] = snap.rewarded.get(inviter, 1) - 1
    patches = [
        FinishSteps(tuple(i.step.id for i in snap.items), now),
        Decide(tuple(plan.changes), now, tuple(plan.rechecks)),
    ]
    if plan.credits:
        patches.append(Pay(tuple(plan.credits), now))
    return Decision.act(
        plan.actions, "; ".join(plan.reasons) or "referral checks no longer apply", patches
    )


# -- campaigns ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Board:
    view: CommunityView
    rows: tuple[JoinRecord, ...]
    members: dict[str, MemberInfo | None]
    mine: tuple[int, int]  # the asker's rewarded and pending invitees
    subject: JoinRecord | None = None  # /referral: the member asked about
    subject_link: str | None = None
    subject_counts: tuple[int, int] = (0, 0)


async def load_board(event: Event, cfg: ReferralsConfig, ctx: RuleContext) -> Board:
    mine = part(ctx.memory)
    members = {m.user_id: m for m in await ctx.state.present_members()}
    users = {r.inviter for r in mine.rows if r.inviter} | {r.user_id for r in mine.rows}
    for user in users - set(members):
        members[user] = await ctx.state.member(user)  # type: ignore[assignment]
    asker = getattr(event, "actor", None)
    counts = (0, 0)
    if asker is not None:
        counts = (len(mine.rewarded(asker.user_id)), len(mine.pending(asker.user_id)))
    subject = link = None
    subject_counts = (0, 0)
    if isinstance(event, CommandInvoked) and event.command == "referral":
        target = str(event.args.get("user") or event.target_user_id or "")
        if target:
            subject = mine.latest.get(target)
            link = mine.current.get(target)
            subject_counts = (len(mine.rewarded(target)), len(mine.pending(target)))
            if target not in members:
                members[target] = await ctx.state.member(target)
    return Board(ctx.view, tuple(mine.rows), members, counts, subject, link, subject_counts)


def _ranking(rows: tuple[JoinRecord, ...], campaign: str | None = None) -> list[tuple[str, int]]:
    """Inviters by rewarded invitees, most first; a tie goes to who got there first."""
    counts: dict[str, int] = {}
    reached: dict[str, datetime] = {}
    for r in rows:
        if r.status != "rewarded" or r.inviter is None:
            continue
        if campaign is not None and r.campaign != campaign:
            continue
        counts[r.inviter] = counts.get(r.inviter, 0) + 1
        reached[r.inviter] = r.decided_at or r.joined_at
    return sorted(counts.items(), key=lambda kv: (-kv[1], reached[kv[0]], kv[0]))


def _local_text(view: CommunityView, when: datetime) -> str:
    return f"{view.local(when):%Y-%m-%d %H:%M}"


@rule("referrals.board", on=CommandInvoked, load=load_board, commands=("invites",))
def on_board(ev: CommandInvoked, cfg: ReferralsConfig, snap: Board, now: datetime) -> Decision:
    texts = snap.view.texts
    asked = str(ev.args.get("campaign") or "").strip()
    head, _, rest = asked.partition(" ")
    if head.casefold() in ("campaign", "活动"):
        asked = rest.strip()
    lines: list[str] = []
    if asked:
        campaign = next(
            (
                c
                for c in cfg.campaigns
                if asked.casefold() in (c.name.casefold(), c.shown.casefold())
            ),
            None,
        )
        if campaign is None:
            names = ", ".join(c.name for c in cfg.campaigns) or texts.get("referrals.no_campaigns")
            text = texts.get("referrals.campaign_unknown", name=asked, names=names)
            return Decision.act([answer(ev, text)], f"no campaign {asked!r}")
        start, end = campaign.window(snap.view.tz)
        goal = texts.get("referrals.campaign_goal", goal=campaign.goal) if campaign.goal else ""
        lines.append(
            texts.get(
                "referrals.campaign_title", campaign=campaign.shown,
                start=_local_text(snap.view, start), end=_local_text(snap.view, end),
                goal_text=goal,
            )
        )  # fmt: skip
        ranking = _ranking(snap.rows, campaign.name)
        why = f"leaderboard of {campaign.name}: {len(ranking)} inviters"
    else:
        lines.append(texts.get("referrals.board_title"))
        ranking = _ranking(snap.rows)
        why = f"invites leaderboard: {len(ranking)} inviters"
    shown = ranking[: cfg.leaderboard_size]
    if shown:
        lines += [
            texts.get("referrals.board_line", position=i, member=_name(snap.members, user), count=n)
            for i, (user, n) in enumerate(shown, 1)
        ]
    else:
        lines.append(texts.get("referrals.board_empty"))
    lines.append(texts.get("referrals.board_mine", count=snap.mine[0], pending=snap.mine[1]))
    running = [c.shown for c in _running(cfg, snap.view, now)]
    if running and not asked:
        lines.append(texts.get("referrals.campaign_active", campaigns=", ".join(running)))
    return Decision.act([answer(ev, "\n".join(lines), private=False)], why)


@rule("referrals.info", on=CommandInvoked, load=load_board, commands=("referral",))
def on_info(ev: CommandInvoked, cfg: ReferralsConfig, snap: Board, now: datetime) -> Decision:
    texts = snap.view.texts
    target = str(ev.args.get("user") or ev.target_user_id or "")
    if not target:
        return Decision.act([answer(ev, texts.get("referrals.no_member"))], "no member named")
    name = _name(snap.members, target)
    rec = snap.subject
    if rec is None:
        text = texts.get("referrals.info_unknown", member=name)
        return Decision.act([answer(ev, text)], f"{name} has no join on record")
    note = texts.get(f"referrals.note.{rec.note}") if rec.note else ""
    if note.startswith("referrals.note."):
        note = rec.note
    source = texts.get(
        f"referrals.source.{rec.source}",
        inviter=_name(snap.members, rec.inviter),
        invite=rec.invite or "",
        note=note,
    )
    due = _local_text(snap.view, rec.joined_at + cfg.rewards.after)
    status = texts.get(f"referrals.status.{rec.status}", due=due, note=note)
    text = texts.get(
        "referrals.info",
        member=name,
        joined=_local_text(snap.view, rec.joined_at),
        source=source,
        status=status,
        count=snap.subject_counts[0],
        pending=snap.subject_counts[1],
        link=snap.subject_link or texts.get("referrals.no_link"),
    )
    return Decision.act(
        [answer(ev, text)], f"referral record of {name}: {rec.source}, {rec.status}"
    )


CLOSED = "referrals.campaign_closed"


@dataclass(frozen=True, slots=True)
class CampaignSnap:
    view: CommunityView
    rows: tuple[JoinRecord, ...]
    members: dict[str, MemberInfo | None]
    closed: frozenset[str]  # campaigns whose closing post was claimed


async def load_campaigns(
    event: Event, cfg: ReferralsConfig, ctx: RuleContext
) -> CampaignSnap | None:
    if not any(ctx.now >= c.window(ctx.view.tz)[1] for c in cfg.campaigns):
        return None  # nothing has ended: no query
    board = await load_board(event, cfg, ctx)
    claims = await ctx.store.steps(ctx.community, kind_prefix=CLOSED, status="done")
    closed = frozenset(s.key.split(":", 2)[2] for s in claims if s.kind == CLOSED)
    return CampaignSnap(ctx.view, board.rows, board.members, closed)


@rule("referrals.campaigns", on=Tick, load=load_campaigns, jobs=(CAMPAIGN_JOB,))
def on_campaigns(
    ev: Tick, cfg: ReferralsConfig, snap: CampaignSnap | None, now: datetime
) -> Decision:
    """The closing post of a campaign, once every invitee who joined during it is decided
    (at the latest a day after the last one's window). One campaign per run: the claim that
    makes the post happen once covers one post."""
    if snap is None:
        return Decision.skip("no campaign has ended")
    texts = snap.view.texts
    for campaign in cfg.campaigns:
        _, end = campaign.window(snap.view.tz)
        if now < end or campaign.name in snap.closed:
            continue
        waiting = [r for r in snap.rows if r.campaign == campaign.name and r.status == "pending"]
        if waiting and now < end + cfg.rewards.after + timedelta(days=1):
            continue
        ranking = _ranking(snap.rows, campaign.name)
        total = sum(n for _, n in ranking)
        winners = [
            texts.get("referrals.winner", position=i, member=_name(snap.members, u), count=n)
            for i, (u, n) in enumerate(ranking[: campaign.winners], 1)
        ]
        if winners:
            text = say(
                snap.view, campaign.text, "referrals.closing", campaign=campaign.shown,
                winners="\n".join(winners), invitees=total,
            )  # fmt: skip
        else:
            text = texts.get("referrals.closing_empty", campaign=campaign.shown)
        post = Post(
            channel_id=campaign.channel or snap.view.settings.default_channel,
            text=text,
            mentions=tuple(u for u, _ in ranking[: campaign.winners]),
        )
        claim = Claim(CLOSED, campaign.name, now)
        return Decision.act(
            [post], f"{campaign.name} closed: {len(ranking)} inviters, {total} stayed", [claim]
        )
    return Decision.skip("no campaign to close")
