"""State changes of moderation and anti-spam, applied by the executor before the actions run
(so a case exists before the ban it records, even if the platform call then fails)."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.rule import ApplyContext, Patch
from bot.store import moderation as mod_store
from bot.store.moderation import CaseDraft

try:  # written in parallel by the engagement capability; absent → nothing to revoke
    from bot.store.engagement import revoke_message_points as _revoke_points
except ImportError:  # pragma: no cover - depends on which capabilities are installed
    _revoke_points = None

log = logging.getLogger(__name__)

STANDING = "moderation.standing"  # memory: user → admin | moderator | bot, as last seen
RECENT = "moderation.recent"  # memory: channel → deque of (message_id, user_id)
REPORTS = "moderation.reports"  # memory: user → deque of report times
LIFT = "moderation.lift"  # pending step: a timeout ends
SAMPLES_VERSION = "antispam.samples_version"  # memory: bumped when a sample is learned
RECENT_PER_CHANNEL = 500


@dataclass(frozen=True, slots=True)
class OpenCases(Patch):
    drafts: tuple[CaseDraft, ...]
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        for draft in self.drafts:
            number = await mod_store.open_case(ctx.store, ctx.community, draft, self.at)
            if draft.action == "timeout" and draft.ends_at is not None:
                # the end is a pending step: it fires after a restart too
                await ctx.store.schedule_step(
                    ctx.community,
                    kind=LIFT,
                    key=f"{LIFT}:{ctx.community.id}:{number}",
                    due_at=draft.ends_at,
                    user_id=draft.user_id,
                    created_at=self.at,
                    payload={"case": number},
                )


@dataclass(frozen=True, slots=True)
class ReverseCase(Patch):
    number: int
    by: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await mod_store.reverse_case(ctx.store, ctx.community, self.number, self.by, self.at)


@dataclass(frozen=True, slots=True)
class MarkLifted(Patch):
    numbers: tuple[int, ...]
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await mod_store.mark_lifted(ctx.store, ctx.community, list(self.numbers), self.at)


@dataclass(frozen=True, slots=True)
class LearnSample(Patch):
    label: str  # spam | ham
    text: str
    added_by: str | None
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        if not self.text.strip():
            return
        await mod_store.add_sample(
            ctx.store, ctx.community, self.label, self.text, self.added_by, self.at
        )
        # the cached classifier is rebuilt on the next message
        ctx.memory[SAMPLES_VERSION] = ctx.memory.get(SAMPLES_VERSION, 0) + 1


@dataclass(frozen=True, slots=True)
class RevokePoints(Patch):
    """Points paid for a message moderation deletes are taken back (a bot's own delete makes
    no platform event, so the engagement listener would never hear of it)."""

    message_ids: tuple[str, ...]
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        if _revoke_points is None:
            return
        for message_id in self.message_ids:
            try:
                await _revoke_points(ctx.store, ctx.community, message_id, self.at)
            except Exception:  # points are secondary; the deletion must still happen
                log.exception("could not revoke points of message %s", message_id)


@dataclass(frozen=True, slots=True)
class TrackActor(Patch):
    """Remember who is staff or a bot (commands name targets by id only) and, for messages,
    the channel's recent message ids (for /purge)."""

    user_id: str
    standing: str  # member | moderator | admin | bot
    channel_id: str | None = None
    message_id: str | None = None

    async def apply(self, ctx: ApplyContext) -> None:
        standings: dict[str, str] = ctx.memory.setdefault(STANDING, {})
        if self.standing == "member":
            standings.pop(self.user_id, None)
        else:
            standings[self.user_id] = self.standing
        if self.channel_id and self.message_id:
            recent: dict[str, deque[tuple[str, str]]] = ctx.memory.setdefault(RECENT, {})
            recent.setdefault(self.channel_id, deque(maxlen=RECENT_PER_CHANNEL)).append(
                (self.message_id, self.user_id)
            )


@dataclass(frozen=True, slots=True)
class ForgetMessages(Patch):
    channel_id: str
    message_ids: tuple[str, ...]

    async def apply(self, ctx: ApplyContext) -> None:
        recent = ctx.memory.get(RECENT, {}).get(self.channel_id)
        if recent is None:
            return
        gone = set(self.message_ids)
        kept = [entry for entry in recent if entry[0] not in gone]
        recent.clear()
        recent.extend(kept)


@dataclass(frozen=True, slots=True)
class NoteReport(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        reports: dict[str, deque[datetime]] = ctx.memory.setdefault(REPORTS, {})
        reports.setdefault(self.user_id, deque(maxlen=50)).append(self.at)


def memory_value(memory: dict[str, Any], key: str, default: Any) -> Any:
    return memory.get(key, default)
