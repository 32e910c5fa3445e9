"""Community state: what rules read, in memory, one object per community this process serves.

Loaded once when a community is first served (its member directory in one query, then each
capability's own part), kept current by the same calls that write the database, evicted when
cold under a memory budget and loaded again on demand. The common message path reads only this:
it awaits no SQL.

The database stays the truth: everything here that a decision depends on after a restart is
written through (standing, DM reachability, joins and leaves) or flushed in batches (activity
counters), and is read back when the community is loaded again.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import logging
from array import array
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.events import Actor
from bot.store import CommunityRef, MemberInfo, Store

if TYPE_CHECKING:
    from bot.rule import Capability

log = logging.getLogger(__name__)

STANDINGS = ("member", "moderator", "admin", "bot")

# A capability's part of the state, loaded with the community: (store, ref, state) → None; it
# fills `state.memory` under its own keys.
StateLoader = Callable[[Store, CommunityRef, "CommunityState"], Awaitable[None]]


class _Evicted:
    """Which members were evicted, as sorted runs of 8-byte hashes of their ids (the
    process's own `hash`: held in memory only): a member not in it was never evicted, so a
    miss is answered without a query. Runs of like size are merged, so there are few. Ids are
    never removed (asking about a member loaded again costs one query more)."""

    __slots__ = ("_runs",)

    def __init__(self) -> None:
        self._runs: list[array[int]] = []

    def add(self, user_ids: Iterable[str]) -> None:
        runs = self._runs
        runs.append(array("q", sorted(hash(u) for u in user_ids)))
        while len(runs) > 1 and len(runs[-2]) <= 2 * len(runs[-1]):
            last = runs.pop()
            runs[-1] = array("q", heapq.merge(runs[-1], last))

    def __contains__(self, user_id: str) -> bool:
        h = hash(user_id)
        for run in self._runs:
            at = bisect.bisect_left(run, h)
            if at < len(run) and run[at] == h:
                return True
        return False


@dataclass(frozen=True, slots=True)
class MemberPart:
    """The per-member entries of a capability's part (balances, open nudges): `forget` drops
    evicted members' entries; `load` (store, ref, state, user) fills one member's entries from
    the database when they are absent — it runs only for a member the database holds."""

    forget: Callable[[CommunityState, Collection[str]], None]
    load: Callable[[Store, CommunityRef, CommunityState, str], Awaitable[None]]


class CommunityState:
    """One community's member directory and every capability's in-memory part."""

    __slots__ = (
        "ref", "store", "members", "complete", "memory", "dirty", "loaders", "parts", "joins",
        "_joins_from", "evicted", "_evicted",
    )  # fmt: skip

    # how far back `joins` reaches behind the latest join: a join burst is counted in minutes
    JOINS_KEPT = timedelta(days=1)

    def __init__(
        self,
        ref: CommunityRef,
        store: Store,
        members: dict[str, MemberInfo],
        loaders: Sequence[StateLoader] = (),
        parts: Sequence[MemberPart] = (),
    ) -> None:
        self.ref = ref
        self.store = store
        self.loaders = tuple(loaders)
        self.parts = tuple(parts)
        self.members = members
        # True while every stored member is in `members`: a miss then means "never seen",
        # answered without a query; False after an eviction (a miss asks the store)
        self.complete = True
        self.evicted = 0  # members evicted from this state so far
        self._evicted = _Evicted()
        # capability parts, each under its capability's keys (windows, balances, cooldowns)
        self.memory: dict[str, Any] = {}
        # parts changed since the last flush: key → how to dump them (see `persist_later`)
        self.dirty: dict[str, Callable[[], dict[str, Any]]] = {}
        # recent joins (when, who), in time order: `joins_since` without a query
        self.joins: list[tuple[datetime, str]] = []
        self._joins_from: datetime | None = None  # every join since then is in `joins`
        self._index_joins()

    def _index_joins(self) -> None:
        joined = sorted((m.joined_at, m.user_id) for m in self.members.values() if m.joined_at)
        if joined:
            start = bisect.bisect_left(joined, (joined[-1][0] - self.JOINS_KEPT,))
            self.joins = joined[start:]
            self._joins_from = joined[-1][0] - self.JOINS_KEPT
        else:
            self.joins = []
            self._joins_from = None  # no member ever joined: every join is held from now on

    async def reload(self) -> None:
        """Read everything again from the database, in place (after `/forget` changed rows
        behind the state's back). Flush first: unflushed windows are dropped."""
        self.members = await self.store.load_members(self.ref)
        self.complete = True
        self.evicted, self._evicted = 0, _Evicted()
        self.memory = {}
        self.dirty = {}
        self._index_joins()
        for load in self.loaders:
            await load(self.store, self.ref, self)

    # -- reads ---------------------------------------------------------------------------------

    def known(self, user_id: str) -> MemberInfo | None:
        return self.members.get(user_id)

    def gone(self, user_id: str) -> bool:
        """The member is not held but may have been evicted (so the store is asked)."""
        return not self.complete and user_id not in self.members and user_id in self._evicted

    async def member(self, user_id: str) -> MemberInfo | None:
        """The member as held; after an eviction, a member not held is loaded again (their
        directory row in one query, then each capability's entries)."""
        found = self.members.get(user_id)
        if found is not None or self.complete or user_id not in self._evicted:
            return found  # (not evicted, so never stored: as for a complete directory)
        return await self.restore(user_id)

    async def restore(self, user_id: str) -> MemberInfo | None:
        found = await self.store.load_member(self.ref, user_id)
        if found is None:
            return None  # never stored, so never evicted: nothing of theirs to load
        if user_id not in self.members:  # (not restored by a concurrent event meanwhile)
            for part in self.parts:
                await part.load(self.store, self.ref, self, user_id)
        return self.members.setdefault(user_id, found)

    async def hold(self, user_ids: Iterable[str]) -> None:
        """Before an event is noted: the people it concerns, loaded again if evicted."""
        members = self.members
        for user_id in user_ids:
            if user_id not in members and user_id in self._evicted:
                await self.restore(user_id)

    def present(self) -> list[MemberInfo]:
        """The present members held (after an eviction not all: see `present_members`)."""
        return [m for m in self.members.values() if m.present]

    async def present_members(self) -> list[MemberInfo]:
        """Every present member: those held, and after an eviction the stored ones not held
        (read for the caller, not held again)."""
        held = self.present()
        if self.complete:
            return held
        members = self.members
        return held + [m for m in await self.store.members(self.ref) if m.user_id not in members]

    def standing(self, user_id: str) -> str | None:
        member = self.members.get(user_id)
        return member.standing if member else None

    def joins_since(self, since: datetime) -> int | None:
        """How many members joined at `since` or later (by their latest join), as the store's
        `count_joins_since` counts them; None when the state does not reach back that far."""
        # (a member in `joins` is never evicted, so this holds after an eviction too)
        if self._joins_from is not None and since < self._joins_from:
            return None
        count = 0
        members = self.members
        for at, user_id in reversed(self.joins):
            if at < since:
                break
            member = members.get(user_id)
            if member is not None and member.joined_at == at:  # a rejoin counts once
                count += 1
        return count

    # -- changes (each mirrors a store write made by the caller) --------------------------------

    def persist_later(self, key: str, dump: Callable[[], dict[str, Any]]) -> None:
        """A short window (recent message ids, report times, cooldowns) changed: its dump is
        written as the community value `key` with the next batched flush, so a restart
        resumes it (losing at most the last flush interval)."""
        self.dirty[key] = dump

    def _ensure(self, actor: Actor) -> MemberInfo:
        member = self.members.get(actor.user_id)
        if member is None:
            member = MemberInfo(
                actor.user_id, actor.name, actor.is_bot, None, None, 0, None, None, 0,
                None, None, actor.can_dm,
            )  # fmt: skip
            self.members[actor.user_id] = member
        return member

    def note_message(self, actor: Actor, at: datetime) -> MemberInfo:
        member = self.members.get(actor.user_id) or self._ensure(actor)
        if actor.name:
            member.name = actor.name
        member.message_count += 1
        if member.first_message_at is None:
            member.first_message_at = at
        if member.last_active_at is None or at > member.last_active_at:
            member.last_active_at = at
        return member

    def note_join(self, actor: Actor, at: datetime) -> None:
        member = self._ensure(actor)
        member.joined_at = at
        member.join_count += 1
        member.verified_at = None
        if actor.name:
            member.name = actor.name
        joins = self.joins
        if not joins or joins[-1] <= (at, actor.user_id):
            joins.append((at, actor.user_id))
        else:  # a late delivery
            bisect.insort(joins, (at, actor.user_id))
        if self._joins_from is None or joins[-1][0] - self.JOINS_KEPT > self._joins_from:
            cut = joins[-1][0] - self.JOINS_KEPT
            if joins[0][0] < cut:  # drop what a burst count never reaches back to
                del joins[: bisect.bisect_left(joins, (cut,))]
            self._joins_from = max(cut, self._joins_from) if self._joins_from else cut

    def note_leave(self, user_id: str, at: datetime) -> None:
        member = self.members.get(user_id)
        if member is not None:
            member.left_at = at

    def set_fields(self, user_ids: Iterable[str], **values: Any) -> None:
        for user_id in user_ids:
            member = self.members.get(user_id)
            if member is not None:
                for name, value in values.items():
                    setattr(member, name, value)

    def note_standing(self, actor: Actor, standing: str) -> bool:
        """True when it changed (the caller writes it through)."""
        member = self._ensure(actor)
        if member.standing == standing:
            return False
        member.standing = standing
        member.is_bot = actor.is_bot
        return True

    def note_reachable(self, user_id: str, reachable: bool) -> None:
        member = self.members.get(user_id)
        if member is not None:
            member.can_dm = reachable

    # -- eviction --------------------------------------------------------------------------------

    def evictable(self) -> Iterable[tuple[float, str]]:
        """(last activity, member) of the members that may be evicted: not those in the join
        index (a join burst is counted from it) nor any with counters not yet written."""
        recent = {user_id for _, user_id in self.joins}
        pending = self.store.buffer.members
        community = self.ref.id
        for user_id, m in self.members.items():
            if user_id not in recent and (community, user_id) not in pending:
                at = m.last_active_at or m.joined_at
                # (a timestamp: a database may give naive times; never active goes first)
                yield (at.timestamp() if at else 0.0, user_id)

    def evict(self, user_ids: Collection[str]) -> None:
        """Drop members (their directory entries and each capability's entries); call only
        when everything written behind is flushed, so the database holds what is dropped."""
        members = self.members
        for user_id in user_ids:
            del members[user_id]
        for part in self.parts:
            part.forget(self, user_ids)
        self._evicted.add(user_ids)
        self.evicted += len(user_ids)
        self.complete = False


class CommunityStates:
    """The community states of this process, least recently used first. When the members held
    pass `max_members` (after the store has flushed, so nothing held only here is dropped),
    cold communities (none of their events since the previous check) are evicted whole, then
    the least recently active members of the rest until `low_water` of the budget is held;
    each is loaded again when next needed."""

    NAME = "state.snapshots"

    def __init__(
        self,
        store: Store,
        capabilities: Sequence[Capability],
        *,
        max_members: int = 100_000,
        low_water: float = 0.9,
    ) -> None:
        self.store = store
        self.loaders = [c.load_state for c in capabilities if c.load_state is not None]
        self.parts = [c.member_part for c in capabilities if c.member_part is not None]
        self.max_members = max_members
        # an eviction goes down to this share of the budget, so it does not run at every flush
        self.low_water = low_water
        self.members_evicted = 0  # members evicted one by one, so far
        self._states: OrderedDict[int, CommunityState] = OrderedDict()
        self._served: set[int] = set()  # communities served since the last `evict_cold`
        self._retry: list[tuple[int, str, dict[str, Any]]] = []
        self._loading: dict[int, asyncio.Future[CommunityState]] = {}
        store.flush_parts[self.NAME] = self  # dumps of changed windows ride the flush

    # -- the flush part: changed windows written with the batched counters ----------------------

    def pending(self) -> bool:
        return bool(self._retry) or any(s.dirty for s in self._states.values())

    def take(self) -> list[tuple[int, str, dict[str, Any]]]:
        taken, self._retry = self._retry, []
        for state in self._states.values():
            if state.dirty:
                taken += [(state.ref.id, key, dump()) for key, dump in state.dirty.items()]
                state.dirty = {}
        return taken

    def merge_back(self, taken: list[tuple[int, str, dict[str, Any]]]) -> None:
        self._retry = taken + self._retry

    def write(self, conn: Any, store: Store, taken: list[Any]) -> None:
        store.write_states(conn, taken)

    def __len__(self) -> int:
        return len(self._states)

    def loaded(self, community_id: int) -> CommunityState | None:
        return self._states.get(community_id)

    def all(self) -> list[CommunityState]:
        return list(self._states.values())

    def held(self, ref: CommunityRef) -> CommunityState | None:
        """`get` for a community already loaded, without a coroutine (every event but a
        community's first); None: `get` must load it."""
        state = self._states.get(ref.id)
        if state is not None:
            self._served.add(ref.id)
            self._states.move_to_end(ref.id)
        return state

    async def get(self, ref: CommunityRef) -> CommunityState:
        state = self._states.get(ref.id)
        self._served.add(ref.id)
        if state is not None:
            self._states.move_to_end(ref.id)
            return state
        # events arriving together for a community being loaded share one load
        loading = self._loading.get(ref.id)
        if loading is None:
            loading = self._loading[ref.id] = asyncio.ensure_future(self._load(ref))
        try:
            return await asyncio.shield(loading)
        finally:
            if loading.done():
                self._loading.pop(ref.id, None)

    async def _load(self, ref: CommunityRef) -> CommunityState:
        members = await self.store.load_members(ref)
        state = CommunityState(ref, self.store, members, self.loaders, self.parts)
        for load in self.loaders:
            await load(self.store, ref, state)
        self._states[ref.id] = state
        return state

    @property
    def members_held(self) -> int:
        return sum(len(s.members) for s in self._states.values())

    def _written(self) -> bool:
        """Nothing waits to be written behind (counters, ledger rows, windows, keys)."""
        store = self.store
        if store.buffer or store.flushing:
            return False
        return not any(p.pending() for p in store.flush_parts.values())

    async def evict_cold(self, keep: int | None = None) -> int:
        """Drop least recently used communities until under the budget, then the least
        recently active members; flushes first (and evicts nothing when something was written
        behind meanwhile). The community being served (`keep`) stays whole. Returns how many
        communities were evicted."""
        served, self._served = self._served, set()
        if self.members_held <= self.max_members:
            return 0
        await self.store.flush()
        if not self._written():
            return 0
        evicted = 0
        held = self.members_held
        for community_id in list(self._states):
            if held <= self.max_members:
                break
            if community_id == keep or community_id in served:
                continue  # (a warm community loses its coldest members instead)
            held -= len(self._states.pop(community_id).members)
            evicted += 1
        if evicted:
            log.info(
                "community state: evicted %d cold communities (%d members held)", evicted, held
            )
        if held > self.max_members:
            self._evict_members(held - int(self.max_members * self.low_water))
        return evicted

    def _evict_members(self, count: int) -> None:
        """The `count` least recently active members of every state held (no await: the
        flush just written stays the truth while they go)."""
        states = self._states
        coldest = heapq.nsmallest(
            count,
            (
                (at, community_id, user_id)
                for community_id, state in states.items()
                for at, user_id in state.evictable()
            ),
        )
        chosen: dict[int, list[str]] = {}
        for _, community_id, user_id in coldest:
            chosen.setdefault(community_id, []).append(user_id)
        for community_id, user_ids in chosen.items():
            states[community_id].evict(user_ids)
        self.members_evicted += len(coldest)
        log.info(
            "community state: evicted %d least recently active members (%d held)",
            len(coldest),
            self.members_held,
        )

    def forget(self, community_id: int) -> None:
        self._states.pop(community_id, None)
