"""State changes every capability may return with a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.rule import AlreadyDone, ApplyContext, Patch


@dataclass(frozen=True, slots=True)
class Claim(Patch):
    """Put first in a decision that must happen once ever (a weekly report, a reminder): when
    the claim was already taken — by a restart or a second process — the decision is dropped."""

    kind: str
    key: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        if not await ctx.store.claim(ctx.community, self.kind, self.key, self.at):
            raise AlreadyDone(f"{self.kind} {self.key}")
