"""Anti-spam's short windows, per member: each member's recent messages (when, where, the
text's fingerprint) and the rule cooldowns in force for them — what flood, duplicates and
cooldowns count.

They live in the community state (`Windows`, one per community) and in `antispam_windows`,
one row per member: the batched flush writes only the members that changed since the last
one (`WindowRows`). A window keeps no message older than the horizon (the playbook's longest
flood or duplicates window), and a member whose messages are all past it and whose cooldowns
are over holds nothing, in memory or in the table. An evicted member's window goes with them
and is read back with them (`MEMBER_PART`)."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from bot.state import CommunityState, MemberPart
from bot.store import CommunityRef, Store
from rules.antispam import store as q
from rules.antispam.triggers import Recent

RECENT = "antispam.recent"  # state: the community's `Windows`
PER_MEMBER = 50  # messages kept per member, however many the horizon holds

_AT = attrgetter("at")


@dataclass(slots=True)
class MemberWindow:
    """One member's recent messages (oldest first) and cooldowns (rule → until)."""

    recent: list[Recent]
    cooldowns: dict[str, datetime] | None
    expires: datetime  # from then on nothing in it matters
    stored: bool = False  # a row of it is in the table (or being written)
    # when its live entry in `Windows`' heap comes due (<= `expires`; see `Windows.prune`)
    queued: datetime | None = field(default=None, compare=False)

    def since(self, at: datetime) -> tuple[Recent, ...]:
        """The messages after `at` (by bisection: the list is in time order)."""
        recent = self.recent
        if not recent or recent[0].at > at:
            return tuple(recent)
        return tuple(recent[bisect.bisect_right(recent, at, key=_AT) :])

    def dump(self) -> dict[str, Any]:
        value: dict[str, Any] = {
            "recent": [[r.at.isoformat(), r.channel_id, r.fingerprint] for r in self.recent]
        }
        if self.cooldowns:
            value["cooldowns"] = {rule: u.isoformat() for rule, u in self.cooldowns.items()}
        return value

    @classmethod
    def parse(cls, value: dict[str, Any], expires: datetime) -> MemberWindow:
        when = datetime.fromisoformat
        recent = [Recent(when(at), channel, fp) for at, channel, fp in value.get("recent", ())]
        cooldowns = {rule: when(u) for rule, u in value.get("cooldowns", {}).items()}
        return cls(recent, cooldowns or None, expires, stored=True)


class WindowRows:
    """The flush part: members whose window changed since the last flush, by (community,
    member) — their window to write, or None when it holds nothing any more (its row goes)."""

    NAME = "antispam.windows"

    def __init__(self) -> None:
        self.changed: dict[tuple[int, str], MemberWindow | None] = {}
        self._retry: dict[tuple[int, str], dict[str, Any] | None] = {}

    def pending(self) -> bool:
        return bool(self.changed or self._retry)

    def take(self) -> dict[tuple[int, str], dict[str, Any] | None]:
        """The rows to write (dumped now: a window changed later goes with the next flush)."""
        taken, self._retry = self._retry, {}
        for key, window in self.changed.items():
            if window is None:
                taken[key] = None
            else:
                window.stored = True
                taken[key] = {"value": window.dump(), "expires_at": window.expires}
        self.changed = {}
        return taken

    def merge_back(self, taken: dict[tuple[int, str], dict[str, Any] | None]) -> None:
        taken.update(self._retry)  # (a retry's rows are older than what was taken since)
        self._retry = taken

    def write(
        self, conn: Any, store: Store, taken: dict[tuple[int, str], dict[str, Any] | None]
    ) -> None:
        rows, gone = [], []
        for (community_id, user_id), row in taken.items():
            if row is None:
                gone.append({"community_id": community_id, "user_id": user_id})
            else:
                rows.append({"community_id": community_id, "user_id": user_id, **row})
        q.write_windows(conn, store, rows, gone)


def _rows(store: Store) -> WindowRows:
    part = store.flush_parts.get(WindowRows.NAME)
    if not isinstance(part, WindowRows):
        part = store.flush_parts[WindowRows.NAME] = WindowRows()
    return part


class Windows:
    """One community's windows, by member, and when to look whether each has expired: a
    heap of (time, member), one live entry per member (`MemberWindow.queued`), due at or
    before its expiry. A message that moves a member's expiry later pushes nothing: when
    the entry comes due and the window has not expired, it is pushed again at the expiry
    (about once per horizon per active member, instead of once per message)."""

    __slots__ = ("community_id", "members", "_expiry", "_rows")

    def __init__(self, community_id: int, rows: WindowRows) -> None:
        self.community_id = community_id
        self.members: dict[str, MemberWindow] = {}
        self._expiry: list[tuple[datetime, str]] = []
        self._rows = rows

    def get(self, user_id: str) -> MemberWindow | None:
        return self.members.get(user_id)

    def hold(self, user_id: str, window: MemberWindow) -> None:
        """A window read from the table (not a change)."""
        if user_id not in self.members:
            self.members[user_id] = window
            self._queue(user_id, window, window.expires)

    def note(self, user_id: str, recent: Recent, horizon: timedelta) -> None:
        """A new message of the member, at `recent.at`."""
        now = recent.at
        self.prune(now)
        window = self.members.get(user_id)
        if window is None:
            window = self.members[user_id] = MemberWindow([recent], None, now + horizon)
            self._queue(user_id, window, window.expires)
            self._rows.changed[(self.community_id, user_id)] = window
            return
        kept = window.recent
        if kept and kept[-1].at > now:  # a late delivery
            bisect.insort(kept, recent, key=_AT)
        else:
            kept.append(recent)
        cut = now - horizon
        if kept[0].at <= cut:
            del kept[: bisect.bisect_right(kept, cut, key=_AT)]
        if len(kept) > PER_MEMBER:
            del kept[: len(kept) - PER_MEMBER]
        if window.cooldowns:
            window.cooldowns = {r: u for r, u in window.cooldowns.items() if u > now} or None
        self._settle(user_id, window, horizon)

    def cooldown(self, user_id: str, rule: str, until: datetime) -> None:
        window = self.members.get(user_id)
        if window is None:
            window = self.members[user_id] = MemberWindow([], {rule: until}, until)
            self._queue(user_id, window, until)
        else:
            window.cooldowns = {**(window.cooldowns or {}), rule: until}
        if until > window.expires:
            window.expires = until  # (later than its entry: `prune` pushes it again)
        self._rows.changed[(self.community_id, user_id)] = window

    def _settle(self, user_id: str, window: MemberWindow, horizon: timedelta) -> None:
        recent, cooldowns = window.recent, window.cooldowns
        if not recent and not cooldowns:  # (a late message already past the horizon)
            self._drop(user_id, window)
            return
        if cooldowns:
            expires = max(cooldowns.values())
            if recent and recent[-1].at + horizon > expires:
                expires = recent[-1].at + horizon
        else:
            expires = recent[-1].at + horizon
        window.expires = expires
        queued = window.queued
        if queued is None or expires < queued:  # (earlier than its entry: one more, sooner)
            self._queue(user_id, window, expires)
        self._rows.changed[(self.community_id, user_id)] = window

    def _queue(self, user_id: str, window: MemberWindow, at: datetime) -> None:
        window.queued = at
        heapq.heappush(self._expiry, (at, user_id))

    def prune(self, now: datetime) -> None:
        """Drop the members whose windows have nothing left that matters at `now`; a
        window whose entry came due before its (since moved) expiry is queued again."""
        expiry, members = self._expiry, self.members
        while expiry and expiry[0][0] <= now:
            at, user_id = heapq.heappop(expiry)
            window = members.get(user_id)
            if window is None or window.queued != at:
                continue  # stale: the member went, or was queued again since
            if window.expires <= now:
                self._drop(user_id, window)
            else:
                self._queue(user_id, window, window.expires)

    def _drop(self, user_id: str, window: MemberWindow) -> None:
        del self.members[user_id]
        key = (self.community_id, user_id)
        if window.stored:
            self._rows.changed[key] = None  # its row goes with the next flush
        else:
            self._rows.changed.pop(key, None)  # never written: nothing to delete

    def forget(self, user_ids: Collection[str]) -> None:
        """Evicted members (flushed: their rows hold what is dropped)."""
        members = self.members
        for user_id in user_ids:
            members.pop(user_id, None)


def windows_of(state: CommunityState) -> Windows:
    found = state.memory.get(RECENT)
    if found is None:
        found = state.memory[RECENT] = Windows(state.ref.id, _rows(state.store))
    return found  # type: ignore[no-any-return]


async def load(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """The community's stored windows (those past their expiry go at the next message)."""
    windows = state.memory[RECENT] = Windows(ref.id, _rows(store))
    for user_id, value, expires in await q.windows(store, ref):
        windows.hold(user_id, MemberWindow.parse(value, expires))


def _forget_members(state: CommunityState, user_ids: Collection[str]) -> None:
    found = state.memory.get(RECENT)
    if isinstance(found, Windows):
        found.forget(user_ids)


async def _load_member(store: Store, ref: CommunityRef, state: CommunityState, user: str) -> None:
    windows = windows_of(state)
    if windows.get(user) is None:
        for user_id, value, expires in await q.windows(store, ref, user):
            windows.hold(user_id, MemberWindow.parse(value, expires))


# an evicted member's windows come back with them (duplicates keep counting)
MEMBER_PART = MemberPart(_forget_members, _load_member)
