"""State changes of the welcome SOP (applied by the executor before the actions run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.rule import ApplyContext, Patch
from bot.state import CommunityState
from bot.store import CommunityRef, Store

PREFIX = "welcome."
GREET = "welcome.greet"  # a batched greeting waiting for the burst window to close
VERIFY = "welcome.verify"  # the verification deadline
FOLLOWUP = "welcome.followup"
AWAITING = "welcome.awaiting"  # state: members with a verification deadline pending


def awaiting(state: CommunityState) -> set[str]:
    return state.memory.setdefault(AWAITING, set())


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Who still has to pass verification (so an ordinary message costs no query)."""
    steps = await store.steps(ref, kind_prefix=VERIFY)
    state.memory[AWAITING] = {s.user_id for s in steps if s.user_id}


@dataclass(frozen=True, slots=True)
class ScheduleStep(Patch):
    kind: str
    key: str
    due_at: datetime
    created_at: datetime
    user_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.schedule_step(
            ctx.community,
            kind=self.kind,
            key=self.key,
            due_at=self.due_at,
            user_id=self.user_id,
            payload=dict(self.payload),
            created_at=self.created_at,
        )
        if self.kind == VERIFY and self.user_id:
            awaiting(ctx.state).add(self.user_id)


@dataclass(frozen=True, slots=True)
class CancelMemberSteps(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.cancel_steps(
            ctx.community, user_id=self.user_id, kind_prefix=PREFIX, at=self.at
        )
        awaiting(ctx.state).discard(self.user_id)


@dataclass(frozen=True, slots=True)
class MarkMembers(Patch):
    """Set member fields, e.g. greeted_at or verified_at."""

    user_ids: tuple[str, ...]
    values: dict[str, Any]

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.set_member_fields(ctx.community, self.user_ids, **self.values)
        ctx.state.set_fields(self.user_ids, **self.values)
        if "verified_at" in self.values:
            awaiting(ctx.state).difference_update(self.user_ids)
