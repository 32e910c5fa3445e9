"""Points as pure rules: earning (messages, reactions, replies to newcomers), revocation,
moderator grants, levels, tiers, /rank, /leaderboard and the shop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.actions import Action, AddRole, AlertModerators, Post, RemoveRole
from bot.events import CommandInvoked, Event, MessageDeleted, MessagePosted, ReactionAdded, Tick
from bot.frozen import quick_init
from bot.rule import CommunityView, Decision, Patch, RuleContext, answer, rule
from bot.store import MemberInfo
from bot.texts import plural
from rules.points import store as q
from rules.points.common import local_day, local_midnight, say
from rules.points.config import MessagePoints, PaidMessages, PointsConfig, Tier
from rules.points.ledger import (
    ForgetNewcomerMessage,
    MoveTiers,
    Pay,
    PointsSnapshot,
    Redeem,
    RememberNewcomerMessage,
    RevokeMessagePoints,
    fingerprint,
    held_balances,
    member_points,
    member_points_now,
    newcomer_author,
    newcomer_helped,
)
from rules.points.levels import bar, level_of, progress
from rules.points.recent import PREFIX, reason_for
from rules.points.store import Balance, Credit
from rules.welcome import WelcomeConfig, is_newcomer

TIERS_JOB = "points.tiers"


# -- shared helpers (also used by check-ins and reactivation) ------------------------------------


def level_up_actions(
    cfg: PointsConfig,
    view: CommunityView,
    user_id: str,
    name: str,
    xp_before: int,
    xp_after: int,
    channel: str,
) -> tuple[list[Action], str]:
    """Announcement and role rewards when XP crosses one or more level thresholds."""
    needed = cfg.levels.needed
    before, after = level_of(xp_before, needed), level_of(xp_after, needed)
    if after <= before:
        return [], ""
    actions: list[Action] = []
    roles = [cfg.levels.roles[lv] for lv in range(before + 1, after + 1) if lv in cfg.levels.roles]
    for role in roles:
        actions.append(AddRole(user_id=user_id, role=role, reason=f"reached level {after}"))
    if cfg.levels.announce:
        role_text = view.texts.get("points.level_role", role=roles[-1]) if roles else ""
        text = say(
            view,
            cfg.levels.text,
            "points.level_up",
            member=name,
            level=after,
            role=roles[-1] if roles else "",
            role_text=role_text,
        )
        actions.insert(
            0, Post(channel_id=cfg.levels.channel or channel, text=text, mentions=(user_id,))
        )
    return actions, f"{name} reached level {after}"


def points_config(playbook: Any) -> PointsConfig | None:
    cfg = getattr(playbook, "points", None)
    return cfg if isinstance(cfg, PointsConfig) and cfg.enabled else None


def wrong_place(ev: CommandInvoked, channels: list[str], view: CommunityView) -> Decision | None:
    """A refusal when a command is used outside the channels the playbook allows."""
    if not channels or ev.channel_id in channels:
        return None
    text = view.texts.get(
        "points.wrong_place", command=ev.command, channels=", ".join(f"#{c}" for c in channels)
    )
    return Decision.act([answer(ev, text)], f"/{ev.command} is only used in {', '.join(channels)}")


# -- earning from messages -----------------------------------------------------------------------


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class MessageSnapshot(PointsSnapshot):
    """The author's points (as its own fields: one object per message, not two) and what a
    reply to a newcomer needs."""

    view: CommunityView
    welcome: WelcomeConfig
    newcomer_replied_to: str | None  # author of the newcomer message this one replies to
    newcomer_bonus_paid: bool

    @property
    def member(self) -> PointsSnapshot:
        return self


def message_verdict(
    ev: MessagePosted,
    cfg: MessagePoints,
    member: PointsSnapshot,
    now: datetime,
    mark: str | None = None,
) -> tuple[int, str]:
    """How many points this message earns, and why (pure; all state is in the snapshot)."""
    amount, why, _ = _verdict(ev, cfg.paid, member, now, mark)
    return amount, why if isinstance(why, str) else why()


def _verdict(
    ev: MessagePosted,
    cfg: PaidMessages,
    member: PointsSnapshot,
    now: datetime,
    mark: str | None = None,
) -> tuple[int, str | Callable[[], str], str | None]:
    """`message_verdict`, with the message's fingerprint when it was taken (a member with no
    recent paid messages has nothing to repeat: no fingerprint is needed to say so). The
    cooldown's why is worded only when read (most messages of a busy chat are in it)."""
    if not cfg.on:
        return 0, "message points are off", mark
    if cfg.channels and ev.channel_id not in cfg.channels:
        return 0, f"#{ev.channel_id} earns no points", mark
    if ev.channel_id in cfg.ignore_channels:
        return 0, f"#{ev.channel_id} earns no points", mark
    length = len(ev.text.strip())
    if length < cfg.min_length:
        return 0, f"{length} characters, fewer than {cfg.min_length}", mark
    last = member.last_paid_at
    if last is not None and ev.occurred_at < last + cfg.cooldown:
        return 0, partial(_cooling, last, cfg.cooldown, ev.occurred_at, now), mark
    keep = cfg.duplicate_memory
    if keep and member.recent:
        mark = mark or fingerprint(ev.text)
        if mark in member.recent[-keep:]:
            return 0, "repeats one of the member's recent messages", mark
    amount = cfg.points
    cap = cfg.daily_cap
    if cap is not None:
        # (nothing earned today, the common case: no call to say so)
        left = cap - member.earned_today("message") if member.today else cap
        if left <= 0:
            return 0, f"daily cap of {cap} message points reached", mark
        amount = min(amount, left)
    return amount, f"+{amount} for a message", mark


def _cooling(last: datetime, cooldown: timedelta, at: datetime, now: datetime) -> str:
    wait = int((last + cooldown - at).total_seconds())
    return f"cooldown: paid {int((now - last).total_seconds())}s ago, {wait}s to go"


def newcomer_reply_key(newcomer: str, helper: str) -> str:
    """The ledger key of the newcomer-reply bonus: once per newcomer and helper, so a sock
    puppet posting fifty messages pays its friend once, not fifty times."""
    return f"newcomer_reply:{newcomer}:{helper}"


def newcomer_bonus(
    cfg: PointsConfig,
    member: PointsSnapshot,
    newcomer: str | None,
    ev: MessagePosted,
    paid: bool,
) -> tuple[int, str]:
    """What replying to a newcomer's message earns (and why), within the daily cap."""
    rule = cfg.newcomer_reply
    if not newcomer or not ev.reply_to or not rule.enabled or not rule.points:
        return 0, ""
    if newcomer == ev.author.user_id:
        return 0, ""
    if paid:
        return 0, f"already rewarded once for helping newcomer {newcomer}"
    amount = rule.points
    if rule.daily_cap is not None:
        amount = min(amount, rule.daily_cap - member.earned_today("newcomer_reply"))
        if amount <= 0:
            return 0, f"daily cap of {rule.daily_cap} newcomer-reply points reached"
    return amount, f"+{amount} for the first reply to newcomer {newcomer}"


def load_message(event: Event, cfg: PointsConfig, ctx: RuleContext) -> Any:
    """From the community state (a coroutine only when the store must be asked)."""
    if type(event) is not MessagePosted or event.author.is_bot:
        return None
    welcome = getattr(ctx.playbook, "welcome", None)
    if not isinstance(welcome, WelcomeConfig):
        welcome = _NO_WELCOME
    # (most messages reply to nothing: no call to say so)
    replied_to, paid = _newcomer_reply(event, ctx) if event.reply_to else _NO_REPLY
    snap = member_points_now(
        ctx, event.author.user_id, MessageSnapshot, ctx.view, welcome, replied_to, paid
    )
    if snap is None:
        return _load_message_waiting(event, ctx, welcome, replied_to, paid)
    return snap


async def _load_message_waiting(
    event: MessagePosted,
    ctx: RuleContext,
    welcome: WelcomeConfig,
    replied_to: str | None,
    paid: bool,
) -> MessageSnapshot:
    m = await member_points(ctx, event.author.user_id)
    fields = (m.user_id, m.xp, m.balance, m.day, m.today, m.last_paid_at, m.recent, m.info)
    return MessageSnapshot(*fields, ctx.view, welcome, replied_to, paid)


def _newcomer_reply(event: MessagePosted, ctx: RuleContext) -> tuple[str | None, bool]:
    """The author of the newcomer message this one replies to, and whether this member was
    already rewarded for helping them."""
    if not event.reply_to:  # (`newcomer_author` says None)
        return None, False
    memory = ctx.state.memory
    replied_to = newcomer_author(memory, event.reply_to)
    # once per (newcomer, helper); newcomer messages, like the pairs, are known in this process
    paid = replied_to is not None and newcomer_helped(memory, replied_to, event.author.user_id)
    return replied_to, paid


_NO_REPLY = (None, False)  # what `_newcomer_reply` says of a message that replies to nothing

# a playbook without a welcome section: its defaults (the newcomer window), made once
_NO_WELCOME = WelcomeConfig()


# the answer to an ordinary message, made once (a Decision is immutable)
_NO_POINTS = Decision.skip("edits and bots earn no points")


@rule("points.message", on=MessagePosted, load=load_message)
def on_message(
    ev: MessagePosted, cfg: PointsConfig, snap: MessageSnapshot | None, now: datetime
) -> Decision:
    if snap is None:
        return _NO_POINTS
    if snap.newcomer_replied_to is not None:
        return _on_message(ev, cfg, snap, now)  # perhaps a newcomer-reply bonus
    # the hot path (no bonus): a message in cooldown, or paid without a level-up, is decided
    # here with no list built; `test_the_hot_path_decides_as_the_whole_rule` holds it to
    # `_on_message`
    # (the snapshot is its own `member`)
    paid, needed = cfg.message_path
    amount, why, mark = _verdict(ev, paid, snap, now)
    newcomer = is_newcomer(snap.info, snap.welcome, now)
    if not amount:
        if newcomer:
            return Decision(True, why, (), (RememberNewcomerMessage(ev.message_id, snap.user_id),))
        return Decision(False, why)
    xp = snap.xp
    level = level_of(xp, needed)
    if level < len(needed) and xp + amount >= needed[level]:
        return _on_message(ev, cfg, snap, now)  # a level-up
    mark = mark or fingerprint(ev.text)
    at = ev.occurred_at
    day = snap.day if at == now else local_day(snap.view, at)
    message_id = ev.message_id
    credit = Credit(
        snap.user_id, "msg:" + message_id, "message", amount, day, message_id, PREFIX + mark
    )
    pay = Pay((credit,), at, mark, paid.duplicate_memory, True)
    if newcomer:
        return Decision(True, why, (), (pay, RememberNewcomerMessage(message_id, snap.user_id)))
    return Decision(True, why, (), (pay,))


def _on_message(
    ev: MessagePosted, cfg: PointsConfig, snap: MessageSnapshot, now: datetime
) -> Decision:
    """`points.message` whole: what the message and a reply to a newcomer earn, and a
    level-up."""
    member = snap.member
    patches: list[Patch] = []
    if is_newcomer(member.info, snap.welcome, now):
        patches.append(RememberNewcomerMessage(ev.message_id, ev.author.user_id))
    amount, why, mark = _verdict(ev, cfg.messages.paid, member, now)
    newcomer = snap.newcomer_replied_to
    bonus, bonus_why = (
        newcomer_bonus(cfg, member, newcomer, ev, snap.newcomer_bonus_paid) if newcomer else (0, "")
    )
    if not amount and not (bonus and ev.reply_to):
        # nothing is paid, nothing is worded twice
        return Decision.update(patches, why) if patches else Decision.skip(why)
    if not isinstance(why, str):
        why = why()
    author = ev.author.user_id
    # the snapshot's day is the local day of `now`, which is the message's time
    day = member.day if ev.occurred_at == now else local_day(snap.view, ev.occurred_at)
    credits: list[Credit] = []
    reasons = [why]
    if amount:
        mark = mark or fingerprint(ev.text)  # once, for the credit and the payment
        credits.append(
            Credit(
                author,
                f"msg:{ev.message_id}",
                "message",
                amount,
                day,
                ref=ev.message_id,
                # durable, so a repeat earns nothing after a restart either
                reason=reason_for(mark),
            )
        )
    if bonus and newcomer and ev.reply_to:
        credits.append(
            Credit(
                author,
                newcomer_reply_key(newcomer, author),
                "newcomer_reply",
                bonus,
                day,
                ref=ev.message_id,
                reason=f"first reply to newcomer {newcomer}",
            )
        )
        patches.append(ForgetNewcomerMessage(ev.reply_to, (newcomer, author)))
    if bonus_why:
        reasons.append(bonus_why)
    xp, needed = member.xp, cfg.levels.needed
    # a new level: the next threshold above the member's level is reached (thresholds rise)
    level = level_of(xp, needed)
    if level < len(needed) and xp + amount + bonus >= needed[level]:
        actions, levelled = level_up_actions(
            cfg, snap.view, author, ev.author.display, xp, xp + amount + bonus, ev.channel_id
        )
    else:
        actions, levelled = [], ""
    # plain chat points ride on the next batched flush; a level-up is written before it is told
    defer = not actions and not bonus
    patches.insert(
        0,
        Pay(
            tuple(credits),
            ev.occurred_at,
            mark if amount else None,
            cfg.messages.duplicate_memory,
            defer=defer,
        ),
    )
    if levelled:
        reasons.append(levelled)
    reason = why if len(reasons) == 1 else "; ".join(reasons)
    return Decision(True, reason, tuple(actions), tuple(patches))


# -- reactions received --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReactionSnapshot:
    view: CommunityView
    author: PointsSnapshot
    already_paid: bool


async def load_reaction(
    event: Event, cfg: PointsConfig, ctx: RuleContext
) -> ReactionSnapshot | None:
    assert isinstance(event, ReactionAdded)
    author = event.message_author_id
    if not author or author == event.user.user_id or event.user.is_bot:
        return None
    paid = await q.ledger_has(
        ctx.store, ctx.community, f"react:{event.message_id}:{event.user.user_id}"
    )
    return ReactionSnapshot(ctx.view, await member_points(ctx, author), paid)


@rule("points.reaction", on=ReactionAdded, load=load_reaction)
def on_reaction(
    ev: ReactionAdded, cfg: PointsConfig, snap: ReactionSnapshot | None, now: datetime
) -> Decision:
    rc = cfg.reactions
    if snap is None:
        return Decision.skip("own message, bot reactor, or unknown author")
    if not rc.enabled or rc.points == 0:
        return Decision.skip("reaction points are off")
    if snap.already_paid:
        return Decision.skip("this reaction was already counted")
    amount = rc.points
    if rc.daily_cap is not None:
        amount = min(amount, rc.daily_cap - snap.author.earned_today("reaction"))
        if amount <= 0:
            return Decision.skip(
                f"{snap.author.user_id} reached the daily cap of {rc.daily_cap} reaction points"
            )
    author = snap.author.user_id
    day = local_day(snap.view, ev.occurred_at)
    credit_row = Credit(
        author,
        f"react:{ev.message_id}:{ev.user.user_id}",
        "reaction",
        amount,
        day,
        ref=ev.message_id,
    )
    name = snap.author.info.name if snap.author.info and snap.author.info.name else author
    actions, levelled = level_up_actions(
        cfg, snap.view, author, name, snap.author.xp, snap.author.xp + amount, ev.channel_id
    )
    why = f"+{amount} to {author} for a reaction by {ev.user.display}"
    return Decision.act(
        actions, f"{why}; {levelled}" if levelled else why, [Pay((credit_row,), ev.occurred_at)]
    )


# -- moderation deleted a message ----------------------------------------------------------------


@rule("points.revoke", on=MessageDeleted)
def on_deleted(
    ev: MessageDeleted, cfg: PointsConfig, view: CommunityView, now: datetime
) -> Decision:
    return Decision.update(
        [RevokeMessagePoints(ev.message_id, ev.occurred_at)],
        f"message {ev.message_id} deleted: its points are taken back",
    )


# -- /points give|take ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantSnapshot:
    view: CommunityView
    target: PointsSnapshot | None


def _target(ev: CommandInvoked) -> str | None:
    user = ev.args.get("user") or ev.target_user_id
    return str(user) if user else None


async def load_grant(event: Event, cfg: PointsConfig, ctx: RuleContext) -> GrantSnapshot:
    assert isinstance(event, CommandInvoked)
    target = _target(event)
    return GrantSnapshot(ctx.view, await member_points(ctx, target) if target else None)


def _amount(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@rule("points.grant", on=CommandInvoked, load=load_grant, commands=("points",))
def on_grant(ev: CommandInvoked, cfg: PointsConfig, snap: GrantSnapshot, now: datetime) -> Decision:
    view = snap.view
    action = str(ev.args.get("action", "")).lower()
    if action not in ("give", "take"):
        return Decision.act(
            [answer(ev, view.texts.get("points.bad_action"))],
            f"unknown /points action {action!r}",
        )
    if snap.target is None:
        return Decision.act([answer(ev, view.texts.get("points.no_member"))], "no member named")
    amount = _amount(ev.args.get("amount"))
    top = cfg.grants.max_amount
    if amount is None or not 1 <= amount <= top:
        return Decision.act(
            [answer(ev, view.texts.get("points.bad_amount", max=top))],
            f"refused amount {ev.args.get('amount')!r} (1..{top})",
        )
    reason = str(ev.args.get("reason") or "").strip() or view.texts.get("points.no_reason")
    target = snap.target
    signed = amount if action == "give" else -amount
    key = f"{action}:{ev.message_id or ev.occurred_at.isoformat()}:{target.user_id}"
    credit_row = Credit(
        target.user_id,
        key,
        "grant" if action == "give" else "take",
        signed,
        local_day(view, ev.occurred_at),
        reason=f"{ev.actor.display}: {reason}",
    )
    name = target.info.name if target.info and target.info.name else target.user_id
    text = view.texts.get(
        "points.given" if action == "give" else "points.taken",
        amount=amount,
        member=name,
        reason=reason,
        balance=target.balance + signed,
    )
    actions: list[Action] = [answer(ev, text, private=False)]
    levelled_actions, levelled = level_up_actions(
        cfg, view, target.user_id, name, target.xp, target.xp + signed, ev.channel_id
    )
    actions += levelled_actions
    why = (
        f"{ev.actor.display} {'gave' if signed > 0 else 'took'} {amount} points "
        f"{'to' if signed > 0 else 'from'} {name}: {reason}"
    )
    return Decision.act(
        actions, f"{why}; {levelled}" if levelled else why, [Pay((credit_row,), ev.occurred_at)]
    )


# -- /rank and /leaderboard ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RankSnapshot:
    view: CommunityView
    user_id: str
    name: str
    balance: Balance
    position: int
    ranked: int
    tier: str | None


async def load_rank(event: Event, cfg: PointsConfig, ctx: RuleContext) -> RankSnapshot:
    assert isinstance(event, CommandInvoked)
    user = _target(event) or event.actor.user_id
    balance = await q.balance_of(ctx.store, ctx.community, user)
    position, ranked = await q.xp_position(ctx.store, ctx.community, user)
    tiers = await q.member_tiers(ctx.store, ctx.community)
    info = await ctx.state.member(user)
    name = (
        info.name
        if info and info.name
        else (event.actor.display if user == event.actor.user_id else user)
    )
    return RankSnapshot(ctx.view, user, name, balance, position, ranked, tiers.get(user))


def tier_name(cfg: PointsConfig, tier_id: str | None) -> str:
    ladder = cfg.tiers.ladder
    for tier in ladder:
        if tier.id == tier_id:
            return tier.name
    return ladder[0].name


@rule("points.rank", on=CommandInvoked, load=load_rank, commands=("rank",))
def on_rank(ev: CommandInvoked, cfg: PointsConfig, snap: RankSnapshot, now: datetime) -> Decision:
    view = snap.view
    if snap.balance.xp <= 0 and snap.position == 0:
        text = view.texts.get("points.rank_none", member=snap.name)
        return Decision.act([answer(ev, text, private=False)], f"{snap.name} has no points")
    level, into, span = progress(snap.balance.xp, cfg.levels.needed)
    text = view.texts.get(
        "points.rank",
        member=snap.name,
        level=level,
        bar=bar(into, span),
        into=into,
        span=span,
        xp=snap.balance.xp,
        tier=tier_name(cfg, snap.tier),
        position=snap.position,
        ranked=snap.ranked,
        balance=snap.balance.balance,
    )
    return Decision.act([answer(ev, text, private=False)], f"rank of {snap.name}: level {level}")


def period_start(view: CommunityView, period: str, now: datetime) -> datetime | None:
    """Local Monday 00:00 for "week", the 1st at 00:00 for "month", None for "all"."""
    today = local_day(view, now)
    if period == "week":
        return local_midnight(view, today - timedelta(days=today.weekday()))
    if period == "month":
        return local_midnight(view, today.replace(day=1))
    return None


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    view: CommunityView
    period: str
    rows: list[tuple[str, int]]
    names: dict[str, str]


async def member_names(ctx: RuleContext, user_ids: list[str]) -> dict[str, str]:
    names = {}
    for user_id in user_ids:
        info: MemberInfo | None = await ctx.state.member(user_id)
        names[user_id] = info.name if info and info.name else user_id
    return names


async def load_board(event: Event, cfg: PointsConfig, ctx: RuleContext) -> BoardSnapshot:
    assert isinstance(event, CommandInvoked)
    period = str(event.args.get("period") or "week").lower()
    if period not in ("week", "month", "all"):
        period = "week"
    rows = await q.points_leaderboard(
        ctx.store,
        ctx.community,
        period_start(ctx.view, period, ctx.now),
        None,
        cfg.leaderboard_size,
    )
    return BoardSnapshot(ctx.view, period, rows, await member_names(ctx, [u for u, _ in rows]))


@rule("points.leaderboard", on=CommandInvoked, load=load_board, commands=("leaderboard",))
def on_leaderboard(
    ev: CommandInvoked, cfg: PointsConfig, snap: BoardSnapshot, now: datetime
) -> Decision:
    texts = snap.view.texts
    period = texts.get(f"points.period.{snap.period}")
    if not snap.rows:
        return Decision.act(
            [answer(ev, texts.get("points.leaderboard_empty", period=period), private=False)],
            "empty leaderboard",
        )
    lines = [texts.get("points.leaderboard_title", period=period)]
    lines += [
        texts.get("points.leaderboard_line", position=i, member=snap.names[u], points=p)
        for i, (u, p) in enumerate(snap.rows, 1)
    ]
    shown = plural(len(snap.rows), "member")
    return Decision.act(
        [answer(ev, "\n".join(lines), private=False)], f"leaderboard ({snap.period}, {shown})"
    )


# -- the shop ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShopSnapshot:
    view: CommunityView
    balance: int
    sold: dict[str, int]
    already_done: bool = False


async def load_shop(event: Event, cfg: PointsConfig, ctx: RuleContext) -> ShopSnapshot:
    assert isinstance(event, CommandInvoked)
    balance = await q.balance_of(ctx.store, ctx.community, event.actor.user_id)
    sold = await q.shop_sold(ctx.store, ctx.community)
    done = False
    if event.command == "redeem":
        done = await q.ledger_has(ctx.store, ctx.community, _redeem_key(event))
    return ShopSnapshot(ctx.view, balance.balance, sold, done)


def _redeem_key(ev: CommandInvoked) -> str:
    return f"redeem:{ev.actor.user_id}:{ev.message_id or ev.occurred_at.isoformat()}"


@rule("points.shop", on=CommandInvoked, load=load_shop, commands=("shop",))
def on_shop(ev: CommandInvoked, cfg: PointsConfig, snap: ShopSnapshot, now: datetime) -> Decision:
    view = snap.view
    refused = wrong_place(ev, cfg.shop.channels, view)
    if refused:
        return refused
    items = cfg.shop.items
    if not cfg.shop.enabled or not items:
        return Decision.act(
            [answer(ev, view.texts.get("points.shop_empty"), private=False)], "empty shop"
        )
    lines = [view.texts.get("points.shop_title", balance=snap.balance)]
    for key, item in items.items():
        stock = ""
        if item.stock is not None:
            stock = view.texts.get(
                "points.shop_left", left=max(0, item.stock - snap.sold.get(key, 0))
            )
        lines.append(
            view.texts.get(
                "points.shop_line",
                item=key,
                name=item.name,
                cost=item.cost,
                stock=stock,
                description=f" — {item.description}" if item.description else "",
            )
        )
    return Decision.act([answer(ev, "\n".join(lines), private=False)], f"shop: {len(items)} items")


@rule("points.redeem", on=CommandInvoked, load=load_shop, commands=("redeem",))
def on_redeem(ev: CommandInvoked, cfg: PointsConfig, snap: ShopSnapshot, now: datetime) -> Decision:
    view = snap.view
    if snap.already_done:
        return Decision.skip("this redemption was already handled")
    refused = wrong_place(ev, cfg.shop.channels, view)
    if refused:
        return refused
    wanted = str(ev.args.get("item") or "").strip()
    item = cfg.shop.items.get(wanted) if cfg.shop.enabled else None
    if item is None:
        # members may type the item's name instead of its id
        found = [
            (k, i) for k, i in cfg.shop.items.items() if i.name.casefold() == wanted.casefold()
        ]
        if cfg.shop.enabled and found:
            wanted, item = found[0]
    if item is None:
        return Decision.act(
            [answer(ev, view.texts.get("points.redeem_unknown", item=wanted))],
            f"no item {wanted!r}",
        )
    if item.stock is not None and snap.sold.get(wanted, 0) >= item.stock:
        return Decision.act(
            [answer(ev, view.texts.get("points.redeem_sold_out", name=item.name))],
            f"{wanted} is sold out",
        )
    if snap.balance < item.cost:
        text = view.texts.get(
            "points.redeem_poor", name=item.name, cost=item.cost, balance=snap.balance
        )
        return Decision.act(
            [answer(ev, text)],
            f"{ev.actor.display} has {snap.balance}, {wanted} costs {item.cost}",
        )
    values = {
        "member": ev.actor.display,
        "name": item.name,
        "item": wanted,
        "cost": item.cost,
        "balance": snap.balance - item.cost,
    }
    patch = Redeem(
        ev.actor.user_id,
        wanted,
        item.cost,
        item.stock,
        _redeem_key(ev),
        local_day(view, ev.occurred_at),
        ev.occurred_at,
    )
    return Decision.act(
        [
            answer(ev, view.texts.get("points.redeemed", **values), private=False),
            AlertModerators(
                text=view.texts.get("points.redeem_alert", **values), user_id=ev.actor.user_id
            ),
        ],
        f"{ev.actor.display} redeemed {wanted} for {item.cost}",
        [patch],
    )


# -- tiers, re-evaluated daily -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TierSnapshot:
    view: CommunityView
    members: list[MemberInfo]
    balances: dict[str, Balance]
    active_days: dict[str, int]
    current: dict[str, str]


async def load_tiers(event: Event, cfg: PointsConfig, ctx: RuleContext) -> TierSnapshot:
    today = local_day(ctx.view, ctx.now)
    window = max(1, cfg.tiers.active_window.days)
    members = [m for m in await ctx.state.present_members() if not m.is_bot]
    # from the community state: re-reading every balance was most of a daily run
    balances = held_balances(ctx.memory)
    return TierSnapshot(
        ctx.view,
        members,
        balances if balances is not None else await q.all_balances(ctx.store, ctx.community),
        await q.active_days(
            ctx.store, ctx.community, today - timedelta(days=window - 1), today + timedelta(days=1)
        ),
        await q.member_tiers(ctx.store, ctx.community),
    )


def tier_for(ladder: list[Tier], xp: int, messages: int, active: int) -> int:
    """Index of the highest tier whose conditions all hold (the first tier otherwise)."""
    best = 0
    for i, tier in enumerate(ladder):
        if xp >= tier.min_xp and messages >= tier.min_messages and active >= tier.min_active_days:
            best = i
    return best


@rule("points.tiers", on=Tick, load=load_tiers, jobs=(TIERS_JOB,))
def on_tiers(ev: Tick, cfg: PointsConfig, snap: TierSnapshot, now: datetime) -> Decision:
    tiers = cfg.tiers
    if not tiers.enabled:
        return Decision.skip("tiers are off")
    ladder = tiers.ladder
    index = {t.id: i for i, t in enumerate(ladder)}
    moves: list[q.TierMove] = []
    actions: list[Action] = []
    promoted: dict[int, list[MemberInfo]] = {}
    for member in snap.members:
        xp = snap.balances.get(member.user_id, Balance()).xp
        target = tier_for(ladder, xp, member.message_count, snap.active_days.get(member.user_id, 0))
        current_id = snap.current.get(member.user_id)
        current = index.get(current_id, -1) if current_id is not None else -1
        if target == current or (target < current and not tiers.demote):
            continue
        up = target > current
        moves.append(q.TierMove(member.user_id, current_id, ladder[target].id, up and target > 0))
        old_role = ladder[current].role if current >= 0 else None
        new_role = ladder[target].role
        if old_role and old_role != new_role:
            actions.append(
                RemoveRole(
                    user_id=member.user_id, role=old_role, reason=f"tier {ladder[target].id}"
                )
            )
        if new_role and new_role != old_role:
            actions.append(
                AddRole(user_id=member.user_id, role=new_role, reason=f"tier {ladder[target].id}")
            )
        if up and target > 0 and ladder[target].announce:
            promoted.setdefault(target, []).append(member)
    if not moves:
        return Decision.skip(f"{len(snap.members)} members, no tier changes")
    view = snap.view
    for target in sorted(promoted):
        members = promoted[target]
        text = say(
            view,
            tiers.text,
            "points.tier_promoted",
            tier=ladder[target].name,
            member=view.texts.join([m.name or m.user_id for m in members]),
            members=view.texts.join([m.name or m.user_id for m in members]),
        )
        actions.insert(
            0,
            Post(
                channel_id=tiers.channel or view.settings.default_channel,
                text=text,
                mentions=tuple(m.user_id for m in members),
            ),
        )
    ups = sum(1 for m in moves if m.promoted)
    return Decision.act(
        actions,
        f"tiers: {ups} promoted, {len(moves) - ups} other changes",
        [MoveTiers(tuple(moves), now)],
    )
