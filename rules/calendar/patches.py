"""State changes of the calendar, applied by the executor around the posts."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from bot.actions import Action
from bot.rule import AlreadyDone, ApplyContext, Patch
from rules.calendar import store as calendar_store
from rules.calendar.store import CLAIMED, FAILED, SENT, SKIPPED, NewOccurrence

log = logging.getLogger(__name__)

PAUSED_STATE = "calendar.paused"  # community_state key: {"entries": [entry ids]}


@dataclass(frozen=True, slots=True)
class RecordOccurrences(Patch):
    """Claim the posts (and record the skipped ones) BEFORE anything is sent; after the posts
    ran, mark each claimed one sent — or failed, so a failed post never counts as posted."""

    claims: ClassVar[bool] = True

    rows: tuple[NewOccurrence, ...]
    at: datetime
    # key → the Post action of that occurrence (matched by identity in `settle`)
    posts: Mapping[str, Action] = field(default_factory=dict)

    async def apply(self, ctx: ApplyContext) -> None:
        if not await calendar_store.record_occurrences(
            ctx.store, ctx.community, self.rows, self.at
        ):
            raise AlreadyDone(f"calendar occurrences {[r.key for r in self.rows]} are taken")
        for row in self.rows:
            if row.status == SKIPPED:
                # info, not warning: a first start "misses" the day's earlier posts by design
                log.info(
                    "calendar: %s in community %s skipped: %s",
                    row.key,
                    ctx.community.external_id,
                    row.detail,
                )

    async def settle(self, ctx: ApplyContext, outcomes: Sequence[Any]) -> None:
        for row in self.rows:
            if row.status != CLAIMED:
                continue
            post = self.posts.get(row.key)
            done = next((o for o in outcomes if o.action is post), None)
            if done is not None and done.status == "executed":
                status, detail = SENT, ""
            else:
                status = FAILED
                detail = f"{done.status}: {done.detail}" if done else "not executed"
                log.error(
                    "calendar: %s in community %s failed: %s",
                    row.key,
                    ctx.community.external_id,
                    detail,
                )
            await calendar_store.settle_occurrence(
                ctx.store, ctx.community, row.key, status, self.at, detail
            )


@dataclass(frozen=True, slots=True)
class MarkAlerted(Patch):
    keys: tuple[str, ...]
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await calendar_store.mark_alerted(ctx.store, ctx.community, self.keys, self.at)


@dataclass(frozen=True, slots=True)
class SetPaused(Patch):
    entry_id: str
    paused: bool
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        state = await ctx.store.get_state(ctx.community, PAUSED_STATE) or {}
        entries = set(state.get("entries", []))
        entries = entries | {self.entry_id} if self.paused else entries - {self.entry_id}
        await ctx.store.set_state(
            ctx.community, PAUSED_STATE, {"entries": sorted(entries)}, self.at
        )
