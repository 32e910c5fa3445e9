"""State changes of member data rights: forgetting one member, pruning old records."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.rule import ApplyContext, Patch
from bot.store import privacy as q

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ForgetMember(Patch):
    """Delete or anonymise the member's rows in every capability's tables, then read the
    community state again so nothing held in memory brings them back."""

    user_id: str

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.flush()  # buffered counters and windows are forgotten with the rest
        report = await q.forget_member(
            ctx.store, ctx.community, self.user_id, ctx.store.member_rows
        )
        ctx.forgotten[self.user_id] = report.anon
        await ctx.state.reload()
        log.info(
            "forgot a member of %s as %s: %s", ctx.community.key, report.anon, report.summary()
        )


@dataclass(frozen=True, slots=True)
class Prune(Patch):
    """Delete (or empty) what is older than the playbook's retention periods."""

    periods: dict[str, timedelta | None]
    now: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.store.flush()
        counts = await q.prune(ctx.store, ctx.community, self.periods, self.now)
        if counts.get("spam_samples"):  # the classifier forgets them too
            from rules.moderation.patches import SAMPLES_VERSION

            ctx.memory[SAMPLES_VERSION] = ctx.memory.get(SAMPLES_VERSION, 0) + 1
        log.info("retention in %s: %s", ctx.community.key, counts)
