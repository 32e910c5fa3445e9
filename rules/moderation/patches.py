"""State changes of moderation and anti-spam, applied by the executor before the actions run
(so a case exists before the ban it records, even if the platform call then fails)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.actions import Action, AlertModerators, Post, Reply
from bot.frozen import quick_init
from bot.rule import ApplyContext, Patch
from bot.state import CommunityState
from bot.store import CommunityRef, Store
from bot.texts import Texts
from rules.moderation import store as mod_store
from rules.moderation.store import RESTRICTED, TOP_CASE, CaseDraft, CaseStep, note_case
from rules.points.store import revoke_message_points as _revoke_points

log = logging.getLogger(__name__)

RECENT = "moderation.recent"  # state: channel → deque of (message_id, user_id), persisted
REPORTS = "moderation.reports"  # state: user → deque of report times, persisted
REPORTS_KEPT = 50
LIFT = "moderation.lift"  # pending step: a timeout ends
SAMPLES_VERSION = "antispam.samples_version"  # memory: bumped when a sample is learned
RECENT_PER_CHANNEL = 500


# action kinds as a case names them
CASE_KIND = {"delete_message": "delete"}
# a case's end that is lifted by moderation's sweep (a temporary ban is lifted on Discord,
# where bans are permanent; Telegram's until_date ends it too, and the unban is harmless)
LIFTED = ("timeout", "ban")


@dataclass(frozen=True, slots=True)
class OpenCases(Patch):
    """Write the cases before their actions run; after they ran, record how each went (a
    refused timeout stays a failed one, and its lift is cancelled), and let the reports of the
    same decision (the confirmation, the case log) say what was refused."""

    drafts: tuple[CaseDraft, ...]
    at: datetime
    texts: Texts | None = field(default=None, compare=False)
    # planned number → number used (another writer may have taken the planned one)
    numbers: dict[int, int] = field(default_factory=dict, compare=False)

    async def apply(self, ctx: ApplyContext) -> None:
        for draft in self.drafts:
            number = await mod_store.open_case(
                ctx.store, ctx.community, draft, self.at, event_key=ctx.next_case_key()
            )
            self.numbers[draft.number] = number
            note_case(ctx.memory, number, draft.user_id, draft.action)
            if draft.action in LIFTED and draft.ends_at is not None:
                # the end is a pending step: it fires after a restart too
                await ctx.store.schedule_step(
                    ctx.community,
                    kind=LIFT,
                    key=_lift_key(ctx, number),
                    due_at=draft.ends_at,
                    user_id=draft.user_id,
                    created_at=self.at,
                    payload={"case": number},
                )

    def _steps(self, draft: CaseDraft, outcomes: Sequence[Any]) -> list[CaseStep]:
        """The draft's actions with what the platform answered (pending if not run)."""
        heard: dict[str, CaseStep] = {}
        for o in outcomes:
            kind = CASE_KIND.get(o.action.kind, o.action.kind)
            if o.action.target_user == draft.user_id and kind not in heard:
                status = {"executed": "done", "shadow": "pending"}.get(o.status, o.status)
                heard[kind] = CaseStep(kind, status, o.detail if status != "done" else "")
        return [heard.get(k, CaseStep(k)) for k in draft.actions or (draft.action,)]

    def amend(self, action: Action, outcomes: Sequence[Any]) -> Action:
        """A report naming a case says, at its end, which of its actions were not done."""
        text = action.text_shown
        if self.texts is None or not text or not isinstance(action, Reply | AlertModerators | Post):
            return action
        lines: list[str] = []
        for draft in self.drafts:
            if f"#{self.numbers.get(draft.number, draft.number)}" not in text:
                continue
            for step in self._steps(draft, outcomes):
                if step.status in ("failed", "skipped"):
                    lines.append(
                        self.texts.get("mod.not_done", action=step.kind, detail=step.detail)
                    )
        if not lines:
            return action
        amended = "\n".join([text, *lines])
        changes: dict[str, Any] = {"text": amended}
        if isinstance(action, AlertModerators) and action.public_text:
            changes["public_text"] = "\n".join([action.public_text, *lines])
        return replace(action, **changes)

    async def settle(self, ctx: ApplyContext, outcomes: Sequence[Any]) -> None:
        for draft in self.drafts:
            number = self.numbers.get(draft.number, draft.number)
            steps = self._steps(draft, outcomes)
            await mod_store.settle_case(ctx.store, ctx.community, number, steps)
            main = next((s for s in steps if s.kind == draft.action), None)
            if draft.action in LIFTED and main is not None and main.status != "done":
                # nothing took effect, so nothing is lifted later
                await mod_store.cancel_step(
                    ctx.store, ctx.community, _lift_key(ctx, number), self.at
                )


def _lift_key(ctx: ApplyContext, number: int) -> str:
    return f"{LIFT}:{ctx.community.id}:{number}"


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
    author_id: str | None = None  # who wrote the message: /forget removes their samples

    async def apply(self, ctx: ApplyContext) -> None:
        if not self.text.strip():
            return
        await mod_store.add_sample(
            ctx.store, ctx.community, self.label, self.text, self.added_by, self.at, self.author_id
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
        from rules.points.ledger import note_revoked

        for message_id in self.message_ids:
            try:
                note_revoked(
                    ctx.state, await _revoke_points(ctx.store, ctx.community, message_id, self.at)
                )
            except Exception:  # points are secondary; the deletion must still happen
                log.exception("could not revoke points of message %s", message_id)


def _recent(state: CommunityState) -> dict[str, deque[tuple[str, str]]]:
    return state.memory.setdefault(RECENT, {})


def _dump_recent(state: CommunityState) -> dict[str, Any]:
    # (the pairs as they are: JSON writes a tuple as a list, and copying 500 per channel at
    # every flush was ~13 % of the 100-community scale run)
    return {channel: list(kept) for channel, kept in _recent(state).items()}


def _dump_reports(state: CommunityState) -> dict[str, Any]:
    reports: dict[str, deque[datetime]] = state.memory.get(REPORTS, {})
    return {user: [t.isoformat() for t in times] for user, times in reports.items() if times}


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """Recent message ids (for /purge) and report times (for /report's limit), as persisted
    by the last flush; the case numbers and who ever was restricted, from the cases."""
    state.memory[TOP_CASE] = await mod_store.next_case_number(store, ref) - 1
    state.memory[RESTRICTED] = await mod_store.restricted_members(store, ref)
    recent = await store.get_state(ref, RECENT) or {}
    state.memory[RECENT] = {
        channel: deque(((str(m), str(u)) for m, u in kept), maxlen=RECENT_PER_CHANNEL)
        for channel, kept in recent.items()
    }
    reports = await store.get_state(ref, REPORTS) or {}
    state.memory[REPORTS] = {
        user: deque((datetime.fromisoformat(t) for t in times), maxlen=REPORTS_KEPT)
        for user, times in reports.items()
    }


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class NoteRecentMessage(Patch):
    """The channel's recent message ids and authors, for /purge (bounded per channel)."""

    channel_id: str
    message_id: str
    user_id: str

    async def apply(self, ctx: ApplyContext) -> None:
        recent = _recent(ctx.state)
        kept = recent.get(self.channel_id)
        if kept is None:
            kept = recent[self.channel_id] = deque(maxlen=RECENT_PER_CHANNEL)
        kept.append((self.message_id, self.user_id))
        state = ctx.state
        state.persist_later(RECENT, lambda: _dump_recent(state))


@dataclass(frozen=True, slots=True)
class ForgetMessages(Patch):
    channel_id: str
    message_ids: tuple[str, ...]

    async def apply(self, ctx: ApplyContext) -> None:
        recent = _recent(ctx.state).get(self.channel_id)
        if recent is None:
            return
        gone = set(self.message_ids)
        kept = [entry for entry in recent if entry[0] not in gone]
        recent.clear()
        recent.extend(kept)
        state = ctx.state
        state.persist_later(RECENT, lambda: _dump_recent(state))


@dataclass(frozen=True, slots=True)
class NoteReport(Patch):
    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        reports: dict[str, deque[datetime]] = ctx.memory.setdefault(REPORTS, {})
        reports.setdefault(self.user_id, deque(maxlen=REPORTS_KEPT)).append(self.at)
        state = ctx.state
        state.persist_later(REPORTS, lambda: _dump_reports(state))
