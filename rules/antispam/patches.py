"""Anti-spam state changes. The short windows (flood, duplicates, cooldowns per member: see
`windows`; join times for raids) live in the community state and change only here — in
patches, which dry runs (`/automod explain`) skip, so trying a message never counts toward a
flood. They are persisted with the batched flush, so a restart resumes them (at most the last
flush interval is lost)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.frozen import quick_init
from bot.rule import ApplyContext, Patch
from bot.state import CommunityState
from bot.store import CommunityRef, Store
from rules.antispam import windows
from rules.antispam.triggers import Recent

JOINS = "antispam.joins"  # state: deque of join times
RAID = "antispam.raid"  # state: the persisted raid mode
RAID_KEY = "antispam.raid"  # community_state key
WINDOWS_KEY = "antispam.windows"  # community_state key of the persisted join times
RAID_CHECK_STEP = "antispam.raid_check"  # pending step: has the raid gone quiet?
JOINS_KEPT = 2000


def _dump_joins(state: CommunityState) -> dict[str, Any]:
    return {"joins": [t.isoformat() for t in state.memory.get(JOINS, ())]}


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Raid mode, the recent join times and the members' windows as the last flush left
    them."""
    state.memory[RAID] = await store.get_state(ref, RAID_KEY) or {"active": False}
    saved = await store.get_state(ref, WINDOWS_KEY) or {}
    when = datetime.fromisoformat
    state.memory[JOINS] = deque((when(t) for t in saved.get("joins", [])), maxlen=JOINS_KEPT)
    await windows.load(store, ref, state)


@quick_init
@dataclass(frozen=True, slots=True)
class NoteMessage(Patch):
    user_id: str
    recent: Recent
    horizon: timedelta  # the playbook's longest flood or duplicates window

    async def apply(self, ctx: ApplyContext) -> None:
        windows.windows_of(ctx.state).note(self.user_id, self.recent, self.horizon)


@dataclass(frozen=True, slots=True)
class NoteJoin(Patch):
    user_id: str
    at: datetime
    horizon: timedelta  # the raid window: older joins never count

    async def apply(self, ctx: ApplyContext) -> None:
        joins: deque[datetime] = ctx.memory.setdefault(JOINS, deque(maxlen=JOINS_KEPT))
        joins.append(self.at)
        while joins[0] <= self.at - self.horizon:
            joins.popleft()
        state = ctx.state
        state.persist_later(WINDOWS_KEY, lambda: _dump_joins(state))


@dataclass(frozen=True, slots=True)
class StartCooldown(Patch):
    rule: str
    user_id: str
    until: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        windows.windows_of(ctx.state).cooldown(self.user_id, self.rule, self.until)


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
