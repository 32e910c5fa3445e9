"""Points state as the rules see it: each member's balance, XP and today's earnings in the
community state (so a message costs no query), and the patches that write the ledger.

The part is loaded with the community (balances and recent earnings in three queries) and is
only changed by patches, after the ledger write succeeded — a replayed event whose key is
already in the ledger changes neither the database nor the state.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.frozen import quick_init
from bot.rule import AlreadyDone, ApplyContext, Patch, RuleContext
from bot.state import CommunityState, MemberPart
from bot.store import CommunityRef, MemberInfo, Store
from rules.points import store as q
from rules.points.common import local_day
from rules.points.recent import recent_fingerprints
from rules.points.store import Credit

MEMBERS = "points.members"
LATEST_DAY = "points.latest_day"  # state: the latest local day the ledger has rows for
# state: the latest ledger day when the part was loaded; later days' rows were all written
# through this state, so only an event of an older day needs the ledger asked
LOADED_DAY = "points.loaded_day"
NEWCOMER_MESSAGES = "points.newcomer_messages"
_NEWCOMER_MESSAGES_KEPT = 2000
NEWCOMER_HELPED = "points.newcomer_helped"  # (newcomer, helper) pairs already rewarded
# state: True once members were evicted: a member without an entry may have one in the ledger
EVICTED = "points.evicted"
DAYS = "points.days"  # state: the day objects the members' entries share


# (source, points) earned on a member's day: a tuple, not a dict, as held for every member
# (56 bytes for the common one source, none for nothing, against a dict's 184)
Earned = tuple[tuple[str, int], ...]


@dataclass(slots=True)
class MemberPoints:
    xp: int
    balance: int
    day: date | None
    today: Earned
    last_paid_at: datetime | None
    recent: tuple[str, ...] = ()  # fingerprints of the last paid messages, oldest first


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class PointsSnapshot:
    user_id: str
    xp: int
    balance: int
    day: date
    today: Earned  # shared with the state's entry: a tuple, never changed in place
    last_paid_at: datetime | None
    recent: tuple[str, ...]
    info: MemberInfo | None

    def earned_today(self, source: str) -> int:
        for earned_from, amount in self.today:
            if earned_from == source:
                return amount
        return 0


def _cache(memory: dict[str, Any]) -> dict[str, MemberPoints]:
    return memory.setdefault(MEMBERS, {})


def held_balances(memory: dict[str, Any]) -> dict[str, q.Balance] | None:
    """Every member's XP and balance as the community state holds them (kept current by the
    patches that write the ledger), or None when members were evicted (ask the store)."""
    if memory.get(EVICTED, False):
        return None
    return {user: q.Balance(e.xp, e.balance) for user, e in _cache(memory).items()}


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Every member's balance, XP, earnings of the latest ledger day, last paid message and
    the fingerprints of their recently paid messages."""
    loaded = await q.points_state(store, ref)
    recent = await recent_fingerprints(store, ref)
    state.memory[MEMBERS] = {
        user: MemberPoints(
            p.xp, p.balance, p.day, _earned(p.today), p.last_paid_at, tuple(recent.get(user, ()))
        )
        for user, p in loaded.items()
    }
    newcomers = await store.get_state(ref, NEWCOMER_MESSAGES) or {}
    state.memory[NEWCOMER_MESSAGES] = OrderedDict(
        (str(m), str(u)) for m, u in newcomers.get("messages", [])
    )
    # who already earned the bonus for helping whom: a restart must not pay (and forget the
    # newcomer's message for) a pair again
    state.memory[NEWCOMER_HELPED] = OrderedDict(
        ((str(n), str(h)), None) for n, h in newcomers.get("helped", [])
    )
    state.memory[LATEST_DAY] = max((p.day for p in loaded.values() if p.day), default=None)
    state.memory[LOADED_DAY] = state.memory[LATEST_DAY]


def _forget_members(state: CommunityState, user_ids: Collection[str]) -> None:
    cache = _cache(state.memory)
    for user_id in user_ids:
        cache.pop(user_id, None)
    state.memory[EVICTED] = True


async def _load_member(store: Store, ref: CommunityRef, state: CommunityState, user: str) -> None:
    """An evicted member's entry, as `load_state` would have read it (the latest ledger day
    is the state's own: every later row was written through it)."""
    cache = _cache(state.memory)
    if user in cache:
        return
    p = await q.member_points_state(store, ref, user, state.memory.get(LATEST_DAY))
    if p is not None and user not in cache:
        recent = (await recent_fingerprints(store, ref, user)).get(user, [])
        entry = MemberPoints(
            p.xp, p.balance, p.day, _earned(p.today), p.last_paid_at, tuple(recent)
        )
        cache.setdefault(user, entry)


MEMBER_PART = MemberPart(_forget_members, _load_member)


def _earned(today: dict[str, int]) -> Earned:
    return tuple(today.items())


def member_points_now(
    ctx: RuleContext, user_id: str, kind: type[PointsSnapshot] = PointsSnapshot, *more: Any
) -> PointsSnapshot | None:
    """The member's points, from the community state; None when the store must be asked (a
    day the ledger had before this load, a member the state does not hold): `member_points`.
    `kind`: a snapshot with more fields after the points' (given in `more`)."""
    state = ctx.state
    memory = state.memory
    cache = memory.get(MEMBERS)
    if cache is None:
        cache = memory[MEMBERS] = {}
    day = ctx.view.day(ctx.now)  # (`local_day`, on every message: without the call)
    info = state.members.get(user_id)  # (`state.known`)
    if info is None and state.gone(user_id):
        return None  # perhaps evicted: `member_points` loads them again first
    entry = cache.get(user_id)
    if entry is None or entry.day != day:
        entry = _entry_on(memory, cache, user_id, day)
        if entry is None:
            return None
    return _snapshot(user_id, entry, day, info, kind, *more)


def _entry_on(
    memory: dict[str, Any], cache: dict[str, MemberPoints], user_id: str, day: date
) -> MemberPoints | None:
    """The member's entry for `day` (made when they have none); None when `day` is one the
    ledger had rows of before this load and the entry is of another day: what they earned on
    it is the store's to say."""
    entry = cache.get(user_id)
    if entry is None:
        entry = cache[user_id] = MemberPoints(0, 0, day, (), None)
    elif entry.day != day:
        loaded = memory.get(LOADED_DAY)
        if loaded is not None and day <= loaded:
            return None
        # a day this state saw begin: the member earned nothing on it, or entry.day would be
        # it (daily caps start again)
        entry.day, entry.today = day, ()
    return entry


async def member_points(ctx: RuleContext, user_id: str) -> PointsSnapshot:
    """The member's points, from the community state (and the store when it must)."""
    now = member_points_now(ctx, user_id)
    if now is not None:
        return now
    info = await ctx.state.member(user_id)  # an evicted member comes back with their entry
    day = local_day(ctx.view, ctx.now)
    cache = _cache(ctx.memory)
    entry = _entry_on(ctx.memory, cache, user_id, day)
    if entry is None:  # an event of a day the ledger had before this load (a replay, a late
        # delivery)
        entry = cache[user_id]
        earned = await q.earned_on(ctx.store, ctx.community, user_id, day)
        entry.day, entry.today = day, _earned(earned)
    return _snapshot(user_id, entry, day, info)


def _snapshot(
    user_id: str,
    entry: MemberPoints,
    day: date,
    info: MemberInfo | None,
    kind: type[PointsSnapshot] = PointsSnapshot,
    *more: Any,
) -> PointsSnapshot:
    """The member's entry as a snapshot of `kind` (its extra fields in `more`)."""
    return kind(
        user_id,
        entry.xp,
        entry.balance,
        day,
        entry.today,
        entry.last_paid_at,
        entry.recent,
        info,
        *more,
    )


def note_credits(
    memory: dict[str, Any],
    written: Iterable[Credit],
    at: datetime,
    fingerprint: str | None = None,
    keep: int = 5,
) -> None:
    """Bring the cache in line with ledger rows that were just written."""
    cache = _cache(memory)
    evicted = memory.get(EVICTED, False)
    days: dict[date, date] = memory.setdefault(DAYS, {})
    if len(days) > 8:
        days.clear()
    for c in written:
        entry = cache.get(c.user_id)
        latest = memory.get(LATEST_DAY)
        if latest is None or c.day > latest:
            memory[LATEST_DAY] = c.day
        if entry is None:
            if evicted:
                continue  # perhaps an evicted member: their entry is read from the ledger
            entry = cache[c.user_id] = MemberPoints(0, 0, c.day, (), None)
        if c.source not in q.SPENDING:
            entry.xp += c.amount
        entry.balance += c.amount
        if entry.day is None or c.day > entry.day:
            # one date object per day for every member (not one per credit)
            entry.day, entry.today = days.setdefault(c.day, c.day), ()
        if c.day == entry.day:
            entry.today = _add(entry.today, c.source, c.amount)
        if c.source == "message":
            entry.last_paid_at = at
            if fingerprint and keep:
                entry.recent = (*entry.recent, fingerprint)[-keep:]


def _add(today: Earned, source: str, amount: int) -> Earned:
    if not today:
        return ((source, amount),)
    earned = dict(today)
    earned[source] = earned.get(source, 0) + amount
    return tuple(earned.items())


def note_revoked(state: CommunityState, taken: dict[str, int]) -> None:
    """Points taken back from members (a deleted message): the state follows the ledger."""
    cache = _cache(state.memory)
    for user_id, amount in taken.items():
        entry = cache.get(user_id)
        if entry is not None:
            entry.xp -= amount
            entry.balance -= amount


def fingerprint(text: str) -> str:
    """Same words, same case-folded text → same fingerprint (spacing does not matter). The
    ledger keeps it (`recent.reason_for`): it must never change, or a restart pays repeats."""
    folded = text.casefold()
    # most texts are spaced already: printable (so no whitespace but " "), no "  ", no space
    # at either end — then splitting and joining would give them back unchanged
    if not folded.isprintable() or "  " in folded or folded[:1] == " " or folded[-1:] == " ":
        folded = " ".join(folded.split())
    return _blake2b(folded.encode(), digest_size=8).hexdigest()


_blake2b = hashlib.blake2b


def newcomer_author(memory: dict[str, Any], message_id: str | None) -> str | None:
    if not message_id:
        return None
    return memory.get(NEWCOMER_MESSAGES, {}).get(message_id)


# -- patches -----------------------------------------------------------------------------------


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class Pay(Patch):
    """Write ledger rows (and balances) in one transaction; keys already present are skipped."""

    credits: tuple[Credit, ...]
    at: datetime
    fingerprint: str | None = None
    keep: int = 5
    # True: queue the rows for the store's next flush instead of a transaction now — for
    # plain chat points that no visible action (a level-up) depends on
    defer: bool = False

    async def apply(self, ctx: ApplyContext) -> None:
        if self.defer:
            q.credit_later(ctx.store, ctx.community, self.credits, self.at)
            written: Sequence[Credit] = self.credits
        else:
            written = await q.credit(ctx.store, ctx.community, self.credits, self.at)
        note_credits(ctx.memory, written, self.at, self.fingerprint, self.keep)


@dataclass(frozen=True, slots=True)
class RevokeMessagePoints(Patch):
    """Take back what a deleted message earned. Other capabilities (anti-spam, moderation) can
    return this patch with their decision when they delete a message."""

    message_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        taken = await q.revoke_message_points(ctx.store, ctx.community, self.message_id, self.at)
        note_revoked(ctx.state, taken)


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class RememberNewcomerMessage(Patch):
    """Remember that a newcomer wrote this message, so the first member who replies to it can
    be rewarded (persisted with the next flush: a reply after a restart is rewarded too)."""

    message_id: str
    user_id: str

    async def apply(self, ctx: ApplyContext) -> None:
        kept: OrderedDict[str, str] = ctx.memory.setdefault(NEWCOMER_MESSAGES, OrderedDict())
        kept[self.message_id] = self.user_id
        while len(kept) > _NEWCOMER_MESSAGES_KEPT:
            kept.popitem(last=False)
        _persist_newcomer_messages(ctx.state)


@dataclass(frozen=True, slots=True)
class ForgetNewcomerMessage(Patch):
    """The bonus for this newcomer message was paid: forget the message, and remember who
    helped whom (the bonus is paid once per pair; the ledger key is the final guard)."""

    message_id: str
    helped: tuple[str, str] | None = None  # (newcomer, helper)

    async def apply(self, ctx: ApplyContext) -> None:
        if ctx.memory.get(NEWCOMER_MESSAGES, {}).pop(self.message_id, None) is not None:
            _persist_newcomer_messages(ctx.state)
        if self.helped is not None:
            pairs: OrderedDict[tuple[str, str], None] = ctx.memory.setdefault(
                NEWCOMER_HELPED, OrderedDict()
            )
            pairs[self.helped] = None
            while len(pairs) > _NEWCOMER_MESSAGES_KEPT:
                pairs.popitem(last=False)
            _persist_newcomer_messages(ctx.state)


def newcomer_helped(memory: dict[str, Any], newcomer: str, helper: str) -> bool:
    return (newcomer, helper) in memory.get(NEWCOMER_HELPED, {})


def _persist_newcomer_messages(state: CommunityState) -> None:
    def dump() -> dict[str, Any]:
        # taken at every flush while newcomers post (up to 2 x 2,000 pairs): the pairs as
        # tuples, copied in C — JSON writes a tuple as the same array a list would be
        kept = state.memory.get(NEWCOMER_MESSAGES, {})
        helped = state.memory.get(NEWCOMER_HELPED, {})
        return {"messages": list(kept.items()), "helped": list(helped)}

    state.persist_later(NEWCOMER_MESSAGES, dump)


class RedemptionRefused(AlreadyDone):
    """The balance or stock changed between the decision and the write (a concurrent
    redemption). Nothing was written; the decision's reply and alert are not sent."""


@dataclass(frozen=True, slots=True)
class Redeem(Patch):
    user_id: str
    item: str
    cost: int
    stock: int | None
    key: str
    day: date
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        outcome = await q.redeem(
            ctx.store,
            ctx.community,
            user_id=self.user_id,
            item=self.item,
            cost=self.cost,
            stock=self.stock,
            key=self.key,
            day=self.day,
            at=self.at,
        )
        if outcome != "ok":
            raise RedemptionRefused(f"redeeming {self.item} for {self.user_id}: {outcome}")
        entry = _cache(ctx.memory).get(self.user_id)
        if entry is not None:
            entry.balance -= self.cost


@dataclass(frozen=True, slots=True)
class MoveTiers(Patch):
    moves: tuple[q.TierMove, ...]
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await q.apply_tier_moves(ctx.store, ctx.community, self.moves, self.at)
