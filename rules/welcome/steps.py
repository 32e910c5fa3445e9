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
# state: the pending batched greetings, step key → (member, due): a join asks no query to know
# whether a batch is open
BATCH = "welcome.batch"


def awaiting(state: CommunityState) -> set[str]:
    return state.memory.setdefault(AWAITING, set())


def batch(state: CommunityState) -> dict[str, tuple[str | None, datetime]]:
    return state.memory.setdefault(BATCH, {})


def batch_due(state: CommunityState) -> datetime | None:
    """When the open batched greeting is posted (the earliest pending one), or None."""
    pending = state.memory.get(BATCH)
    return min(due for _, due in pending.values()) if pending else None


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Who still has to pass verification and the pending batched greetings (so an ordinary
    message and a join cost no query)."""
    steps = await store.steps(ref, kind_prefix=VERIFY)
    state.memory[AWAITING] = {s.user_id for s in steps if s.user_id}
    greetings = await store.steps(ref, kind_prefix=GREET)
    state.memory[BATCH] = {s.key: (s.user_id, s.due_at) for s in greetings}


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
        elif self.kind == GREET:
            batch(ctx.state)[self.key] = (self.user_id, self.due_at)


@dataclass(frozen=True, slots=True)
class CancelMemberSteps(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.cancel_steps(
            ctx.community, user_id=self.user_id, kind_prefix=PREFIX, at=self.at
        )
        awaiting(ctx.state).discard(self.user_id)
        pending = batch(ctx.state)
        for key in [k for k, (user, _) in pending.items() if user == self.user_id]:
            del pending[key]


@dataclass(frozen=True, slots=True)
class BatchPosted(Patch):
    """The batched greetings of these step keys are carried out now (their steps are finished
    by the same decision): no longer an open batch for the next newcomer."""

    keys: tuple[str, ...]

    async def apply(self, ctx: ApplyContext) -> None:
        pending = batch(ctx.state)
        for key in self.keys:
            pending.pop(key, None)


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
