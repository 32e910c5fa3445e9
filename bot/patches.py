"""State changes every capability may return with a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.rule import AlreadyDone, ApplyContext, Patch


@dataclass(frozen=True, slots=True)
class Claim(Patch):
    """Put first in a decision that must happen once ever (a weekly report, a reminder): when
    the claim was already taken — by a restart or a second process — the decision is dropped."""

    claims: ClassVar[bool] = True

    kind: str
    key: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        if not await ctx.store.claim(ctx.community, self.kind, self.key, self.at):
            raise AlreadyDone(f"{self.kind} {self.key}")


@dataclass(frozen=True, slots=True)
class FinishSteps(Patch):
    """Move pending steps on (done by default) before the actions that carry them out. When
    none of them was still pending, someone else (another process, an earlier run) carried
    them out: `AlreadyDone` drops this decision's actions."""

    claims: ClassVar[bool] = True

    step_ids: tuple[int, ...]
    at: datetime
    status: str = "done"

    async def apply(self, ctx: ApplyContext) -> None:
        changed = await ctx.store.finish_steps(self.step_ids, self.at, self.status)
        if self.step_ids and not changed:
            raise AlreadyDone(f"steps {list(self.step_ids)} are no longer pending")


@dataclass(frozen=True, slots=True)
class SettleSteps(FinishSteps):
    """Due steps whose decision carries nothing out (every one of them skipped): done without
    a transaction of their own — out of the due index now, written with the next flush. No
    action hangs on them, so nothing is done twice; under a lease they are claimed as
    `FinishSteps` claims them (a new owner's claim must never meet a row finished outside it)."""

    async def apply(self, ctx: ApplyContext) -> None:
        if ctx.fence is not None:
            await FinishSteps.apply(self, ctx)
        elif self.step_ids:
            ctx.store.settle_steps(self.step_ids, self.at)
