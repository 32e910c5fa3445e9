"""Anti-spam state changes. The short windows (flood, duplicates, join rate, cooldowns) live in
this process's memory of the community and change only here — in patches, which dry runs
(`/automod explain`) skip, so trying a message never counts toward a flood."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.rule import ApplyContext, Patch
from rules.antispam.triggers import Recent

RECENT = "antispam.recent"  # user → deque[Recent]
MEMBERS = "antispam.members"  # user → [MemberInfo | None, messages seen since it was loaded]
JOINS = "antispam.joins"  # deque of join times
COOLDOWNS = "antispam.cooldowns"  # (rule, user) → until
RAID = "antispam.raid"  # cache of the persisted raid state
RAID_KEY = "antispam.raid"  # community_state key
RAID_CHECK_STEP = "antispam.raid_check"  # pending step: has the raid gone quiet?
PER_MEMBER = 50
JOINS_KEPT = 2000


@dataclass(frozen=True, slots=True)
class NoteMessage(Patch):
    user_id: str
    recent: Recent

    async def apply(self, ctx: ApplyContext) -> None:
        windows: dict[str, deque[Recent]] = ctx.memory.setdefault(RECENT, {})
        windows.setdefault(self.user_id, deque(maxlen=PER_MEMBER)).append(self.recent)
        entry = ctx.memory.setdefault(MEMBERS, {}).get(self.user_id)
        if entry is not None:
            entry[1] += 1


@dataclass(frozen=True, slots=True)
class NoteJoin(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        ctx.memory.setdefault(JOINS, deque(maxlen=JOINS_KEPT)).append(self.at)
        # their join time changed: read the member again on their next message
        ctx.memory.setdefault(MEMBERS, {}).pop(self.user_id, None)


@dataclass(frozen=True, slots=True)
class StartCooldown(Patch):
    rule: str
    user_id: str
    until: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        ctx.memory.setdefault(COOLDOWNS, {})[(self.rule, self.user_id)] = self.until


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
