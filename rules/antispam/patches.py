"""Anti-spam state changes. The short windows (flood, duplicates, join rate, cooldowns) live in
the community state and change only here — in patches, which dry runs (`/automod explain`)
skip, so trying a message never counts toward a flood. They are persisted with the batched
flush, so a restart resumes them (at most the last flush interval is lost)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.frozen import quick_init
from bot.rule import ApplyContext, Patch
from bot.state import CommunityState
from bot.store import CommunityRef, Store
from rules.antispam.triggers import Recent

RECENT = "antispam.recent"  # state: user → list[Recent], oldest first, bounded
JOINS = "antispam.joins"  # state: deque of join times
COOLDOWNS = "antispam.cooldowns"  # state: (rule, user) → until
RAID = "antispam.raid"  # state: the persisted raid mode
RAID_KEY = "antispam.raid"  # community_state key
WINDOWS_KEY = "antispam.windows"  # community_state key of the persisted short windows
RAID_CHECK_STEP = "antispam.raid_check"  # pending step: has the raid gone quiet?
PER_MEMBER = 50
JOINS_KEPT = 2000
# windows older than this are dropped when persisted (longer than any rule's window needs)
WINDOW_HORIZON = timedelta(hours=1)


def _dump_windows(state: CommunityState) -> dict[str, Any]:
    """Persist what is still inside the horizon, and forget the rest from memory too (a
    member who went quiet an hour ago holds nothing)."""
    memory = state.memory
    windows: dict[str, list[Recent]] = memory.get(RECENT, {})
    joins: deque[datetime] = memory.get(JOINS, deque())
    latest = max((w[-1].at for w in windows.values() if w), default=None)
    if joins and (latest is None or joins[-1] > latest):
        latest = joins[-1]
    if latest is None:
        return {}
    horizon = latest - WINDOW_HORIZON
    for user in [u for u, w in windows.items() if not w or w[-1].at < horizon]:
        del windows[user]
    cooldowns: dict[tuple[str, str], datetime] = memory.get(COOLDOWNS, {})
    for key in [k for k, until in cooldowns.items() if until < horizon]:
        del cooldowns[key]
    return {
        "recent": {
            user: [[r.at.isoformat(), r.channel_id, r.fingerprint] for r in w if r.at >= horizon]
            for user, w in windows.items()
        },
        "joins": [t.isoformat() for t in joins if t >= horizon],
        "cooldowns": [[rule, user, until.isoformat()] for (rule, user), until in cooldowns.items()],
    }


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Raid mode and the short windows as the last flush left them."""
    state.memory[RAID] = await store.get_state(ref, RAID_KEY) or {"active": False}
    saved = await store.get_state(ref, WINDOWS_KEY) or {}
    when = datetime.fromisoformat
    state.memory[RECENT] = {
        user: [Recent(when(at), channel, fp) for at, channel, fp in kept]
        for user, kept in saved.get("recent", {}).items()
    }
    state.memory[JOINS] = deque((when(t) for t in saved.get("joins", [])), maxlen=JOINS_KEPT)
    state.memory[COOLDOWNS] = {
        (rule, user): when(until) for rule, user, until in saved.get("cooldowns", [])
    }


def _changed(ctx: ApplyContext) -> None:
    state = ctx.state
    state.persist_later(WINDOWS_KEY, lambda: _dump_windows(state))


@quick_init
@dataclass(frozen=True, slots=True)
class NoteMessage(Patch):
    user_id: str
    recent: Recent

    async def apply(self, ctx: ApplyContext) -> None:
        windows: dict[str, list[Recent]] = ctx.memory.setdefault(RECENT, {})
        kept = windows.get(self.user_id)
        if kept is None:
            windows[self.user_id] = [self.recent]
        else:
            kept.append(self.recent)
            if len(kept) > PER_MEMBER:
                del kept[0]
        _changed(ctx)


@dataclass(frozen=True, slots=True)
class NoteJoin(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        ctx.memory.setdefault(JOINS, deque(maxlen=JOINS_KEPT)).append(self.at)
        _changed(ctx)


@dataclass(frozen=True, slots=True)
class StartCooldown(Patch):
    rule: str
    user_id: str
    until: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        ctx.memory.setdefault(COOLDOWNS, {})[(self.rule, self.user_id)] = self.until
        _changed(ctx)


@dataclass(frozen=True, slots=True)
class SetRaid(Patch):
    """Raid mode is persisted (it survives a restart) and cached in memory."""

    state: dict[str, Any]
    at: datetime
    # when to look whether the raid has gone quiet (a pending step, so no job ticks while
    # there is no raid, and a restart still ends it)
    check_at: datetime | None = None

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.set_state(ctx.community, RAID_KEY, dict(self.state), self.at)
        ctx.memory[RAID] = dict(self.state)
        if self.check_at is not None:
            await ctx.store.schedule_step(
                ctx.community, kind=RAID_CHECK_STEP, due_at=self.check_at, created_at=self.at,
                key=f"{ctx.community.id}:{RAID_CHECK_STEP}:{self.check_at.isoformat()}",
            )  # fmt: skip
