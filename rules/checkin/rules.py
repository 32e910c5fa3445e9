"""Daily check-ins as pure rules: streaks, freezes, milestones, reminders, /streaks.

Exactly once per member per local day: the store's UNIQUE (community, user, day) key makes a
duplicate a no-op, and within this process the loader claims (member, day) before deciding, so
even two concurrent copies of one check-in get one "checked in" and one "already" reply.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from bot.actions import Action, AddRole, Post, Reply, SendDirect
from bot.events import Actor, CommandInvoked, Event, MessagePosted, Tick
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
from bot.store.db import unreachable
from rules.checkin import store as q
from rules.checkin.config import CheckinConfig
from rules.checkin.store import StreakInfo
from rules.points import PointsConfig, level_up_actions, member_points, note_credits
from rules.points.common import local_day, say
from rules.points.ledger import PointsSnapshot
from rules.points.store import Credit

REMINDER_JOB = "checkin.reminder"
CLAIMED = "checkin.claimed"


def is_checkin_text(text: str, cfg: CheckinConfig) -> bool:
    head = text[:1]
    if (
        head
        and head.casefold()[0] not in cfg.keyword_starts
        and head not in "#＃"
        and not head.isspace()
    ):
        # the hot path: the text starts with a character no keyword starts with, and nothing
        # is stripped before it (hash signs, spaces), so its folded start is no keyword
        return False
    return starts_with_keyword(text, cfg)


def starts_with_keyword(text: str, cfg: CheckinConfig) -> bool:
    """`is_checkin_text` without its first-character test: the whole comparison."""
    keywords = cfg.folded_keywords
    text = text.strip().lstrip("#＃").strip()
    # case folding goes character by character and never shortens: the start of the folded
    # text comes from the start of the text (one character past the longest keyword decides)
    longest = cfg.longest_keyword
    folded = text[: longest + 1].casefold()
    whole = len(text) <= longest + 1  # a longer text cannot equal a keyword
    for k in keywords:
        if whole and folded == k:
            return True
        # latin keywords end at a word boundary ("checking" is no check-in)
        if (
            cfg.match == "start"
            and folded.startswith(k)
            and (not k.isascii() or not folded[len(k)].isalnum())
        ):
            return True
    return False


def _where(ev: MessagePosted | CommandInvoked) -> tuple[Actor, str, str | None]:
    if isinstance(ev, CommandInvoked):
        return ev.actor, ev.channel_id, ev.message_id
    return ev.author, ev.channel_id, ev.message_id


# -- the check-in ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckinSnapshot:
    view: CommunityView
    day: date
    already: bool
    streak: StreakInfo | None
    rank: int  # this check-in's place today
    points: PointsSnapshot | None
    points_cfg: PointsConfig | None


STREAKS = "checkin.streaks"  # memory: member → streak as last read or written here
DAY_COUNTS = "checkin.day_counts"  # memory: check-ins of the latest day read or written here


def _forget_members(state: CommunityState, user_ids: Collection[str]) -> None:
    known = state.memory.get(STREAKS, {})
    for user_id in user_ids:
        known.pop(user_id, None)


async def _load_member(store: Store, ref: CommunityRef, state: CommunityState, user: str) -> None:
    """An evicted member's streak comes back with them (read while the database is away)."""
    streak = await q.streak_of(store, ref, user)
    if streak is not None:
        state.memory.setdefault(STREAKS, {}).setdefault(user, streak)


MEMBER_PART = MemberPart(_forget_members, _load_member)


def load_checkin(event: Event, cfg: CheckinConfig, ctx: RuleContext) -> Any:
    if type(event) is MessagePosted and not is_checkin_text(event.text, cfg):
        return None  # the hot path: an ordinary message costs nothing (and waits for nothing)
    return _load_checkin(event, cfg, ctx)


async def _load_checkin(
    event: Event, cfg: CheckinConfig, ctx: RuleContext
) -> CheckinSnapshot | None:
    assert isinstance(event, MessagePosted | CommandInvoked)
    actor, channel, _ = _where(event)
    if actor.is_bot or (cfg.channels and channel not in cfg.channels):
        return CheckinSnapshot(ctx.view, local_day(ctx.view, ctx.now), False, None, 0, None, None)
    day = local_day(ctx.view, event.occurred_at)
    claimed: set[tuple[str, date]] = ctx.memory.setdefault(CLAIMED, set())
    # what this process last read or wrote: used only while the database is away
    known: dict[str, StreakInfo | None] = ctx.memory.setdefault(STREAKS, {})
    counted: dict[date, int] = ctx.memory.setdefault(DAY_COUNTS, {})
    try:
        streak = known[actor.user_id] = await q.streak_of(ctx.store, ctx.community, actor.user_id)
    except Exception as exc:
        if not unreachable(exc):
            raise
        streak = known.get(actor.user_id)
    already = (actor.user_id, day) in claimed or (streak is not None and streak.last_day >= day)
    claimed.discard((actor.user_id, day - timedelta(days=1)))
    claimed.add((actor.user_id, day))  # concurrent copies of this event now see "already"
    rank = 0
    if not already:
        try:
            count = await q.checkins_on(ctx.store, ctx.community, day)
            counted.clear()
            counted[day] = count
        except Exception as exc:
            if not unreachable(exc):
                raise
            count = counted.get(day, 0)
        rank = count + 1
    points_cfg = getattr(ctx.playbook, "points", None)
    if not isinstance(points_cfg, PointsConfig) or not points_cfg.enabled:
        points_cfg = None
    points = await member_points(ctx, actor.user_id) if points_cfg and not already else None
    return CheckinSnapshot(ctx.view, day, already, streak, rank, points, points_cfg)


def next_streak(
    prev: StreakInfo | None, day: date, cfg: CheckinConfig
) -> tuple[StreakInfo, int, bool]:
    """(new state, freezes spent, freeze earned) for a check-in on `day`."""
    if prev is None:
        streak, best, freezes, total, spent = 1, 0, 0, 1, 0
    else:
        missed = (day - prev.last_day).days - 1
        freezes, spent, total = prev.freezes, 0, prev.total + 1
        best = prev.best
        if missed == 0:
            streak = prev.streak + 1
        elif cfg.freezes.enabled and 0 < missed <= prev.freezes:
            streak, spent, freezes = prev.streak + 1, missed, prev.freezes - missed
        else:
            streak = 1
    earned = False
    every = cfg.freezes.every_days
    if cfg.freezes.enabled and streak % every == 0 and freezes < cfg.freezes.max:
        freezes, earned = freezes + 1, True
    return StreakInfo(streak, max(best, streak), day, freezes, total), spent, earned


@dataclass(frozen=True, slots=True)
class RecordCheckIn(Patch):
    """The check-in row, the new streak and its points in one transaction (a duplicate of the
    same member and day writes nothing)."""

    user_id: str
    at: datetime
    state: StreakInfo
    freeze_used: int
    credits: tuple[Credit, ...]

    async def apply(self, ctx: ApplyContext) -> None:
        done = await q.record_checkin(
            ctx.store,
            ctx.community,
            self.user_id,
            self.at,
            self.state,
            self.freeze_used,
            self.credits,
        )
        if done:
            note_credits(ctx.memory, self.credits, self.at)
            ctx.memory.setdefault(STREAKS, {})[self.user_id] = self.state
            counted = ctx.memory.setdefault(DAY_COUNTS, {})
            counted[self.state.last_day] = counted.get(self.state.last_day, 0) + 1


def _checkin(
    ev: MessagePosted | CommandInvoked,
    cfg: CheckinConfig,
    snap: CheckinSnapshot | None,
    now: datetime,
) -> Decision:
    if snap is None:
        return _NOT_A_CHECKIN
    actor, channel, message_id = _where(ev)
    view = snap.view
    if actor.is_bot:
        return Decision.skip(f"{actor.display} is a bot: bots do not check in")
    if cfg.channels and channel not in cfg.channels:
        if isinstance(ev, CommandInvoked):
            text = view.texts.get(
                "checkin.wrong_place", channels=", ".join(f"#{c}" for c in cfg.channels)
            )
            return Decision.act(
                [
                    Reply(
                        channel_id=channel,
                        reply_to=message_id,
                        text=text,
                        user_id=actor.user_id,
                        ephemeral=True,
                    )
                ],
                f"check-ins only in {', '.join(cfg.channels)}",
            )
        return Decision.skip(f"keyword outside the check-in channels ({channel})")
    if snap.already:
        streak = snap.streak
        text = say(
            view,
            cfg.already,
            "checkin.already",
            member=actor.display,
            streak=streak.streak if streak else 1,
            best=streak.best if streak else 1,
        )
        return Decision.act(
            [Reply(channel_id=channel, reply_to=message_id, text=text, user_id=actor.user_id)],
            f"{actor.display} already checked in on {snap.day}",
            stop=isinstance(ev, MessagePosted),
        )
    if snap.streak is not None and snap.streak.last_day > snap.day:
        return Decision.skip("a check-in for an earlier day arrived late")
    state, spent, earned = next_streak(snap.streak, snap.day, cfg)
    credits: list[Credit] = []
    if cfg.points:
        credits.append(
            Credit(
                actor.user_id,
                f"checkin:{actor.user_id}:{snap.day.isoformat()}",
                "checkin",
                cfg.points,
                snap.day,
            )
        )
    actions: list[Action] = []
    extra: list[Action] = []
    for milestone in cfg.milestones:
        if milestone.days != state.streak:
            continue
        if milestone.points:
            credits.append(
                Credit(
                    actor.user_id,
                    f"milestone:{actor.user_id}:{milestone.days}:{snap.day}",
                    "milestone",
                    milestone.points,
                    snap.day,
                )
            )
        if milestone.role:
            extra.append(
                AddRole(
                    user_id=actor.user_id,
                    role=milestone.role,
                    reason=f"{milestone.days}-day check-in streak",
                )
            )
        if milestone.announce:
            extra.append(
                Post(
                    channel_id=channel,
                    mentions=(actor.user_id,),
                    text=say(
                        view,
                        milestone.text,
                        "checkin.milestone",
                        member=actor.display,
                        days=milestone.days,
                        points=milestone.points,
                    ),
                )
            )
    gained = sum(c.amount for c in credits)
    note = ""
    if spent:
        note = view.texts.get("checkin.freeze_note", freezes=state.freezes)
    elif earned:
        note = view.texts.get("checkin.freeze_earned", freezes=state.freezes)
    text = say(
        view,
        cfg.reply,
        "checkin.done",
        member=actor.display,
        streak=state.streak,
        best=state.best,
        rank=snap.rank,
        points=gained,
        freezes=state.freezes,
        note=note,
    )
    actions.append(Reply(channel_id=channel, reply_to=message_id, text=text, user_id=actor.user_id))
    actions += extra
    why = f"{actor.display} checked in on {snap.day}: streak {state.streak}"
    if spent:
        why += f" ({spent} freeze spent)"
    if snap.points is not None and snap.points_cfg is not None and gained:
        levelled, level_why = level_up_actions(
            snap.points_cfg,
            view,
            actor.user_id,
            actor.display,
            snap.points.xp,
            snap.points.xp + gained,
            channel,
        )
        actions += levelled
        if level_why:
            why += f"; {level_why}"
    patch = RecordCheckIn(actor.user_id, ev.occurred_at, state, spent, tuple(credits))
    return Decision.act(actions, why, [patch], stop=isinstance(ev, MessagePosted))


# the answer to an ordinary message, made once (a Decision is immutable)
_NOT_A_CHECKIN = Decision.skip("not a check-in")


def no_checkin(ev: MessagePosted, cfg: CheckinConfig) -> Decision | None:
    """The gate of `checkin.keyword`: an ordinary message is no check-in, said without the
    loader's or the rule's call."""
    if type(ev) is MessagePosted and not is_checkin_text(ev.text, cfg):
        return _NOT_A_CHECKIN
    return None


@rule("checkin.keyword", on=MessagePosted, load=load_checkin, gate=no_checkin)
def on_keyword(
    ev: MessagePosted, cfg: CheckinConfig, snap: CheckinSnapshot | None, now: datetime
) -> Decision:
    if type(ev) is not MessagePosted:
        return Decision.skip("edits are not check-ins")
    return _checkin(ev, cfg, snap, now)


@rule("checkin.command", on=CommandInvoked, load=load_checkin, commands=("checkin",))
def on_command(
    ev: CommandInvoked, cfg: CheckinConfig, snap: CheckinSnapshot | None, now: datetime
) -> Decision:
    return _checkin(ev, cfg, snap, now)


# -- /streaks and the reminder -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreakBoard:
    view: CommunityView
    today: date
    streaks: dict[str, StreakInfo]
    members: dict[str, MemberInfo]


async def load_board(event: Event, cfg: CheckinConfig, ctx: RuleContext) -> StreakBoard:
    members = {m.user_id: m for m in await ctx.state.present_members()}
    return StreakBoard(
        ctx.view,
        local_day(ctx.view, ctx.now),
        await q.all_streaks(ctx.store, ctx.community),
        members,
    )


def alive(info: StreakInfo, today: date) -> bool:
    """The streak still counts: checked in today, or the missed days are covered by freezes."""
    return (today - info.last_day).days - 1 <= info.freezes


def _name(members: dict[str, Any], user_id: str) -> str:
    info = members.get(user_id)
    return info.name if info is not None and info.name else user_id


@rule("checkin.streaks", on=CommandInvoked, load=load_board, commands=("streaks",))
def on_streaks(
    ev: CommandInvoked, cfg: CheckinConfig, snap: StreakBoard, now: datetime
) -> Decision:
    texts = snap.view.texts
    live = sorted(
        ((u, s) for u, s in snap.streaks.items() if alive(s, snap.today)),
        key=lambda us: (-us[1].streak, -us[1].best, us[0]),
    )[: cfg.leaderboard_size]
    if not live:
        text = texts.get("checkin.streaks_empty")
    else:
        text = "\n".join(
            [texts.get("checkin.streaks_title")]
            + [
                texts.get(
                    "checkin.streaks_line",
                    position=i,
                    member=_name(snap.members, u),
                    streak=s.streak,
                    best=s.best,
                )
                for i, (u, s) in enumerate(live, 1)
            ]
        )
    return Decision.act(
        [answer(ev, text, private=False)],
        f"{len(live)} live streaks",
    )


@dataclass(frozen=True, slots=True)
class MarkReminded(Patch):
    claims: ClassVar[bool] = True
    user_ids: tuple[str, ...]
    day: date

    async def apply(self, ctx: ApplyContext) -> None:
        # all or none: a reminder names several members in one post, so a partly taken set
        # cannot be narrowed here; nothing is marked and nothing is sent (see q.mark_reminded)
        taken = await q.mark_reminded(ctx.store, ctx.community, self.user_ids, self.day)
        if taken:
            raise AlreadyDone(f"{len(taken)} of {len(self.user_ids)} already reminded today")


@rule("checkin.reminder", on=Tick, load=load_board, jobs=(REMINDER_JOB,))
def on_reminder(ev: Tick, cfg: CheckinConfig, snap: StreakBoard, now: datetime) -> Decision:
    rem = cfg.reminder
    if not rem.enabled:
        return Decision.skip("reminders are off")
    today = snap.today
    at_risk = sorted(
        u
        for u, s in snap.streaks.items()
        if s.streak >= rem.min_streak
        and s.last_day < today
        and alive(s, today)
        and s.reminded_day != today
        and u in snap.members
        and snap.members[u].present
    )
    if not at_risk:
        return Decision.skip("no streak is at risk today")
    view = snap.view
    actions: list[Action] = []
    if rem.where == "direct":
        for user_id in at_risk:
            member = snap.members[user_id]
            if member.can_dm:
                actions.append(
                    SendDirect(
                        user_id=user_id,
                        text=say(
                            view,
                            rem.text,
                            "checkin.reminder_direct",
                            member=_name(snap.members, user_id),
                            streak=snap.streaks[user_id].streak,
                        ),
                    )
                )
    else:
        channel = rem.channel or (
            cfg.channels[0] if cfg.channels else view.settings.default_channel
        )
        names = ", ".join(_name(snap.members, u) for u in at_risk)
        actions.append(
            Post(
                channel_id=channel,
                mentions=tuple(at_risk),
                text=say(view, rem.text, "checkin.reminder_channel", members=names, member=names),
            )
        )
    return Decision.act(
        actions, f"{len(at_risk)} streaks at risk reminded", [MarkReminded(tuple(at_risk), today)]
    )
