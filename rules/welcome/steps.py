"""State changes of the welcome SOP (applied by the executor before the actions run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.rule import ApplyContext, Patch

PREFIX = "welcome."
GREET = "welcome.greet"  # a batched greeting waiting for the burst window to close
VERIFY = "welcome.verify"  # the verification deadline
FOLLOWUP = "welcome.followup"


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


@dataclass(frozen=True, slots=True)
class CancelMemberSteps(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.cancel_steps(
            ctx.community, user_id=self.user_id, kind_prefix=PREFIX, at=self.at
        )


@dataclass(frozen=True, slots=True)
class MarkMembers(Patch):
    """Set member fields, e.g. greeted_at or verified_at."""

    user_ids: tuple[str, ...]
    values: dict[str, Any]

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.set_member_fields(ctx.community, self.user_ids, **self.values)
