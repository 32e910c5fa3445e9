"""Queries of the moderation capability: numbered cases, warnings, timeouts, spam samples."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.store import CommunityRef, Store
from rules.moderation.models import ModerationCase, SpamSample

log = logging.getLogger(__name__)

EVIDENCE_LIMIT = 1000  # characters of the offending message kept with a case


@dataclass(frozen=True, slots=True)
class CaseDraft:
    """A case as a rule plans it; the store gives it its number."""

    number: int  # planned number; the store takes the next free one if it is taken
    user_id: str
    action: str
    reason: str = ""
    actor_id: str | None = None
    rule: str | None = None
    duration_seconds: int | None = None
    ends_at: datetime | None = None
    weight: int = 0
    expires_at: datetime | None = None
    evidence: str | None = None
    channel_id: str | None = None
    message_id: str | None = None
    # every action of the incident, in order (delete, warn, timeout, ...); () = just `action`
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseStep:
    """One action of a case and how it went: pending (written before it ran), done, failed
    (the platform refused: `detail` says why), skipped (the platform cannot)."""

    kind: str
    status: str = "pending"
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "status": self.status, "detail": self.detail[:500]}


@dataclass(frozen=True, slots=True)
class CaseInfo:
    number: int
    user_id: str
    action: str
    reason: str
    actor_id: str | None
    rule: str | None
    duration_seconds: int | None
    ends_at: datetime | None
    lifted_at: datetime | None
    weight: int
    expires_at: datetime | None
    evidence: str | None
    channel_id: str | None
    message_id: str | None
    created_at: datetime
    reversed_by: str | None
    reversed_at: datetime | None
    actions: tuple[CaseStep, ...] = ()

    @property
    def kinds(self) -> str:
        """Every action of the incident, e.g. `delete + warn + timeout`."""
        return " + ".join(s.kind for s in self.actions) or self.action

    def step(self, kind: str) -> CaseStep | None:
        return next((s for s in self.actions if s.kind == kind), None)

    @property
    def not_done(self) -> tuple[CaseStep, ...]:
        """The actions the platform refused or could not do."""
        return tuple(s for s in self.actions if s.status in ("failed", "skipped"))

    @property
    def in_force(self) -> bool:
        """The case's main action took effect (or its outcome is not known yet)."""
        main = self.step(self.action)
        return main is None or main.status in ("done", "pending")


def _steps(row: Any) -> tuple[CaseStep, ...]:
    if not row.actions:  # a case from before the column: one action, done
        return (CaseStep(row.action, "done"),)
    return tuple(
        CaseStep(str(a.get("kind", "")), str(a.get("status", "")), str(a.get("detail", "")))
        for a in row.actions
    )


# every column of a case: a Core row of them reads like the ORM instance, without building one
_CASE = tuple(ModerationCase.__table__.c)


def _info(row: Any) -> CaseInfo:
    return CaseInfo(
        row.number, row.user_id, row.action, row.reason, row.actor_id, row.rule,
        row.duration_seconds, row.ends_at, row.lifted_at, row.weight, row.expires_at,
        row.evidence, row.channel_id, row.message_id, row.created_at, row.reversed_by,
        row.reversed_at, _steps(row),
    )  # fmt: skip


async def _cases(store: Store, query: Any) -> list[CaseInfo]:
    """The cases a query of `_CASE` columns selects, read in one greenlet (`Sessions.read`)."""
    return await store.sessions.read(lambda conn: [_info(r) for r in conn.execute(query)])


async def _scalar(store: Store, query: Any) -> Any:
    return await store.sessions.read(lambda conn: conn.execute(query).scalar())


async def next_case_number(store: Store, ref: CommunityRef) -> int:
    top = await _scalar(
        store, select(func.max(ModerationCase.number)).where(ModerationCase.community_id == ref.id)
    )
    return int(top or 0) + 1


# community state: the highest case number written (loaded with the community, raised by
# every case this process writes: the community's owner is its only writer), so a case number
# needs no query; and everyone who ever had a timeout or ban case (`may_be_restricted`)
TOP_CASE = "moderation.top_case"
RESTRICTED = "moderation.restricted"


def note_case(memory: dict[str, Any], number: int, user_id: str, action: str) -> None:
    """A case was written: the next number is after it; a timeout or ban makes its member one
    whose restrictions are worth asking about."""
    if number > memory.get(TOP_CASE, 0):
        memory[TOP_CASE] = number
    if action in ("timeout", "ban"):
        memory.setdefault(RESTRICTED, set()).add(user_id)


def may_be_restricted(memory: dict[str, Any], user_id: str) -> bool:
    """False when the member never had a timeout or ban case here (no query needed)."""
    restricted = memory.get(RESTRICTED)
    return restricted is None or user_id in restricted


async def restricted_members(store: Store, ref: CommunityRef) -> set[str]:
    """Everyone who ever had a timeout or ban case here (a superset of who is restricted now:
    the community state asks `restrictions` only for them)."""
    async with store.sessions() as s:
        rows = await s.scalars(
            select(ModerationCase.user_id)
            .where(
                ModerationCase.community_id == ref.id,
                ModerationCase.action.in_(("timeout", "ban")),
            )
            .distinct()
        )
        return set(rows)


async def open_case(
    store: Store,
    ref: CommunityRef,
    draft: CaseDraft,
    at: datetime,
    *,
    event_key: str | None = None,
) -> int:
    """Insert the case under its planned number, or the next free one if another writer took
    it. Returns the number used. `event_key` (the opening event's key and the case's place in
    it) is unique: when that event already opened this case — it is handled again after a
    crash in its middle — the case is not opened twice and its number is returned, so the
    rest of the decision (points taken back, the timeout's lift) still happens once."""
    number = draft.number
    for _ in range(5):
        if event_key is not None:
            opened = await _case_of_event(store, ref, event_key)
            if opened is not None:
                log.info("case #%s of event %s was already opened", opened, event_key)
                return opened
        values = {
            "community_id": ref.id, "number": number, "user_id": draft.user_id,
            "action": draft.action, "actor_id": draft.actor_id, "rule": draft.rule,
            "reason": draft.reason[:2000], "duration_seconds": draft.duration_seconds,
            "ends_at": draft.ends_at, "weight": draft.weight, "expires_at": draft.expires_at,
            "evidence": draft.evidence[:EVIDENCE_LIMIT] if draft.evidence else None,
            "channel_id": draft.channel_id, "message_id": draft.message_id, "created_at": at,
            "event_key": event_key,
            "actions": [CaseStep(k).as_json() for k in draft.actions or (draft.action,)],
        }  # fmt: skip
        try:
            stmt = store.insert(ModerationCase).values(**values)
            await store.sessions.run(lambda conn, stmt=stmt: conn.execute(stmt), single=True)
            return number
        except IntegrityError:
            log.info("case #%s already taken in %s; renumbering", number, ref.external_id)
            number = await next_case_number(store, ref)
    raise RuntimeError("could not number a moderation case")


async def _case_of_event(store: Store, ref: CommunityRef, event_key: str) -> int | None:
    return await _scalar(  # type: ignore[no-any-return]
        store,
        select(ModerationCase.number).where(
            ModerationCase.community_id == ref.id, ModerationCase.event_key == event_key
        ),
    )


async def record_external_case(
    store: Store,
    ref: CommunityRef,
    *,
    kind: str,
    user_id: str,
    reason: str,
    rule: str,
    at: datetime,
    ends_at: datetime | None = None,
    event_key: str | None = None,
) -> int:
    """A numbered case for a moderation action decided outside the moderation capability (the
    welcome SOP's verification kick, ...). Takes the next free number, so it never collides
    with the cases moderation numbers itself. Returns the case number.

    `kind` is the action: warn | timeout | kick | ban | delete (`ends_at` for a timeout or a
    temporary ban). Such a timeout is not lifted by moderation's sweep: the platform ends its
    own timeouts, and only timeouts moderation scheduled are lifted by it."""
    seconds = int((ends_at - at).total_seconds()) if ends_at is not None else None
    draft = CaseDraft(
        number=await next_case_number(store, ref),
        user_id=user_id,
        action=kind[:20],
        reason=reason,
        rule=rule,
        duration_seconds=seconds if seconds and seconds > 0 else None,
        ends_at=ends_at,
    )
    return await open_case(store, ref, draft, at, event_key=event_key)


async def settle_case(
    store: Store, ref: CommunityRef, number: int, steps: Sequence[CaseStep]
) -> None:
    """Record how each action of the case went (after the platform answered)."""
    stmt = (
        update(ModerationCase)
        .where(ModerationCase.community_id == ref.id, ModerationCase.number == number)
        .values(actions=[step.as_json() for step in steps])
    )
    await store.sessions.run(lambda conn: conn.execute(stmt), single=True)


async def cancel_step(store: Store, ref: CommunityRef, key: str, at: datetime) -> None:
    """Drop a pending step by its key (the lift of a timeout that never took effect)."""
    await store.cancel_step_by_key(ref, key, at)


async def case(store: Store, ref: CommunityRef, number: int) -> CaseInfo | None:
    found = await _cases(
        store,
        select(*_CASE).where(
            ModerationCase.community_id == ref.id, ModerationCase.number == number
        ),
    )
    return found[0] if found else None


async def cases_for(
    store: Store, ref: CommunityRef, user_id: str | None, limit: int = 20
) -> list[CaseInfo]:
    """The member's latest cases (everybody's with `user_id` None), newest first."""
    query = select(*_CASE).where(ModerationCase.community_id == ref.id)
    if user_id is not None:
        query = query.where(ModerationCase.user_id == user_id)
    return await _cases(store, query.order_by(ModerationCase.number.desc()).limit(limit))


async def latest_open_case(
    store: Store, ref: CommunityRef, user_id: str, action: str
) -> CaseInfo | None:
    """The newest unreversed case of `action` against the member (for /unban, /untimeout)."""
    found = await _cases(
        store,
        select(*_CASE)
        .where(
            ModerationCase.community_id == ref.id,
            ModerationCase.user_id == user_id,
            ModerationCase.action == action,
            ModerationCase.reversed_at.is_(None),
        )
        .order_by(ModerationCase.number.desc())
        .limit(1),
    )
    return found[0] if found else None


async def reverse_case(store: Store, ref: CommunityRef, number: int, by: str, at: datetime) -> bool:
    """Mark a case reversed (once). True when it changed."""
    async with store.sessions.begin() as s:
        result = await s.execute(
            update(ModerationCase)
            .where(
                ModerationCase.community_id == ref.id,
                ModerationCase.number == number,
                ModerationCase.reversed_at.is_(None),
            )
            .values(reversed_by=by, reversed_at=at)
        )
    return bool(result.rowcount)


async def active_warning_weight(
    store: Store, ref: CommunityRef, user_id: str, now: datetime
) -> int:
    """Sum of the weights of the member's warnings that are neither expired nor reversed."""
    total = await _scalar(
        store,
        select(func.coalesce(func.sum(ModerationCase.weight), 0)).where(
            ModerationCase.community_id == ref.id,
            ModerationCase.user_id == user_id,
            ModerationCase.weight > 0,  # a warning, alone or with what it escalated to
            ModerationCase.reversed_at.is_(None),
            (ModerationCase.expires_at.is_(None)) | (ModerationCase.expires_at > now),
        ),
    )
    return int(total or 0)


# the due-steps job's two reads (every lift it runs asks both), built once: building them
# cost more CPU than running them
_DUE_TIMEOUTS = (
    select(*_CASE)
    .where(
        ModerationCase.community_id == bindparam("cid"),
        ModerationCase.action.in_(("timeout", "ban")),
        ModerationCase.ends_at <= bindparam("now"),
        ModerationCase.lifted_at.is_(None),
        ModerationCase.reversed_at.is_(None),
    )
    .order_by(ModerationCase.number)
)
_RESTRICTIONS = select(*_CASE).where(
    ModerationCase.community_id == bindparam("cid"),
    ModerationCase.user_id == bindparam("uid"),
    ModerationCase.action.in_(("timeout", "ban")),
    ModerationCase.lifted_at.is_(None),
    ModerationCase.reversed_at.is_(None),
    (ModerationCase.ends_at.is_(None)) | (ModerationCase.ends_at > bindparam("now")),
)


async def due_timeouts(store: Store, ref: CommunityRef, now: datetime) -> list[CaseInfo]:
    """Timeouts and temporary bans whose end has come and that nobody has lifted or reversed
    yet, and that took effect (a refused one has nothing to lift)."""
    values = {"cid": ref.id, "now": now}
    found = await store.sessions.read(
        lambda conn: [_info(r) for r in conn.execute(_DUE_TIMEOUTS, values)]
    )
    return [c for c in found if c.in_force]


async def restrictions(
    store: Store, ref: CommunityRef, user_id: str, now: datetime
) -> list[CaseInfo]:
    """The member's timeouts and bans that are in force now: not lifted, not reversed, not
    refused by the platform, and not yet ended (a ban without an end never ends)."""
    values = {"cid": ref.id, "uid": user_id, "now": now}
    cases = await store.sessions.read(
        lambda conn: [_info(r) for r in conn.execute(_RESTRICTIONS, values)]
    )
    found = [c for c in cases if c.in_force]
    # a timeout case always has an end; one without is not a restriction we can reason about
    return [c for c in found if c.action == "ban" or c.ends_at is not None]


async def mark_lifted(store: Store, ref: CommunityRef, numbers: list[int], at: datetime) -> None:
    if not numbers:
        return
    stmt = (
        update(ModerationCase)
        .where(
            ModerationCase.community_id == ref.id,
            ModerationCase.number.in_(numbers),
            ModerationCase.lifted_at.is_(None),
        )
        .values(lifted_at=at)
    )
    await store.sessions.run(lambda conn: conn.execute(stmt), single=True)


async def add_sample(
    store: Store,
    ref: CommunityRef,
    label: str,
    text: str,
    added_by: str | None,
    at: datetime,
    author_id: str | None = None,
) -> None:
    if label not in ("spam", "ham"):
        raise ValueError(f"label must be spam or ham, not {label!r}")
    async with store.sessions.begin() as s:
        await s.execute(
            store.insert(SpamSample).values(
                community_id=ref.id,
                label=label,
                text=text[:EVIDENCE_LIMIT],
                added_by=added_by,
                author_id=author_id,
                at=at,
            )
        )


async def samples(store: Store, ref: CommunityRef) -> list[tuple[str, str]]:
    """Learned (label, text) pairs in the order they were added."""
    async with store.sessions() as s:
        rows = await s.execute(
            select(SpamSample.label, SpamSample.text)
            .where(SpamSample.community_id == ref.id)
            .order_by(SpamSample.id)
        )
        return [(r[0], r[1]) for r in rows]
