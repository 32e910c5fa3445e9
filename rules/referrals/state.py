"""The referrals part of the community state (links and joins, loaded once per community) and
the patches that change it — each writes the database first, then the memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.rule import AlreadyDone, ApplyContext, Patch
from bot.state import CommunityState
from bot.store import CommunityRef, Store
from rules.referrals import store as q
from rules.referrals.store import JoinRecord, StatusChange

PART = "referrals"
CHECK = "referrals.check"  # a pending step: decide an invitee's reward
RECHECK = "referrals.recheck"  # a pending step: a paid reward still deserved?


def code_of(link: str) -> str:
    """The part of a link that names it: https://t.me/+AbC → AbC, discord.gg/xyz → xyz."""
    return link.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("+")


@dataclass(slots=True)
class Referrals:
    """Every link (link → inviter, also replaced ones: they still bring people) and every
    join, the latest per member indexed."""

    links: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code → link
    current: dict[str, str] = field(default_factory=dict)  # inviter → their newest link
    rows: list[JoinRecord] = field(default_factory=list)
    latest: dict[str, JoinRecord] = field(default_factory=dict)  # member → their latest join

    def add_link(self, user_id: str, link: str) -> None:
        self.links[link] = user_id
        self.codes[code_of(link)] = link
        self.current[user_id] = link

    def find_link(self, invite: str) -> str | None:
        """The stored link an invite (a link or its code) names, if it is one of ours."""
        invite = invite.strip()
        if invite in self.links:
            return invite
        return self.codes.get(code_of(invite))

    def add_join(self, rec: JoinRecord) -> None:
        self.rows.append(rec)
        self.latest[rec.user_id] = rec

    def brought(self, inviter: str) -> list[JoinRecord]:
        return [r for r in self.rows if r.inviter == inviter]

    def rewarded(self, inviter: str | None = None, campaign: str | None = None) -> list[JoinRecord]:
        return [
            r
            for r in self.rows
            if r.status == "rewarded"
            and (inviter is None or r.inviter == inviter)
            and (campaign is None or r.campaign == campaign)
        ]

    def pending(self, inviter: str | None = None, campaign: str | None = None) -> list[JoinRecord]:
        return [
            r
            for r in self.rows
            if r.status == "pending"
            and (inviter is None or r.inviter == inviter)
            and (campaign is None or r.campaign == campaign)
        ]


def part(memory: dict[str, Any]) -> Referrals:
    found = memory.get(PART)
    if found is None:
        found = memory[PART] = Referrals()
    return found


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    links, joins = await q.load(store, ref)
    mine = Referrals()
    for link in links:
        mine.add_link(link.user_id, link.link)
    for link in links:  # the newest unreplaced link is the one /invite gives again
        if link.replaced_at is None:
            mine.current[link.user_id] = link.link
    for rec in joins:
        mine.add_join(rec)
    state.memory[PART] = mine


def step_key(ref_id: int, kind: str, rec: JoinRecord) -> str:
    return f"{ref_id}:{kind}:{rec.user_id}:{rec.joined_at.isoformat()}"


# -- patches -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaveLink(Patch):
    """Stores the link the platform created for `/invite` (the action's outcome carries it):
    a failed creation stores nothing and the member simply asks again."""

    user_id: str
    at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        return None

    async def settle(self, ctx: ApplyContext, outcomes: Sequence[Any]) -> None:
        for o in outcomes:
            if o.action.kind == "create_invite" and o.status == "executed" and o.ref:
                await q.add_link(ctx.store, ctx.community, self.user_id, o.ref, self.at)
                part(ctx.memory).add_link(self.user_id, o.ref)


@dataclass(frozen=True, slots=True)
class RecordJoin(Patch):
    """The join's row, and — for a join that may earn a reward — the check when its window
    ends. A join already recorded (a redelivered event) drops the decision."""

    rec: JoinRecord
    check_at: datetime | None

    async def apply(self, ctx: ApplyContext) -> None:
        if not await q.record_join(ctx.store, ctx.community, self.rec):
            raise AlreadyDone(f"join of {self.rec.user_id} at {self.rec.joined_at}")
        part(ctx.memory).add_join(self.rec)
        if self.check_at is not None:
            await ctx.store.schedule_step(
                ctx.community,
                kind=CHECK,
                key=step_key(ctx.community.id, CHECK, self.rec),
                due_at=self.check_at,
                user_id=self.rec.user_id,
                payload={"joined_at": self.rec.joined_at.isoformat()},
                created_at=self.rec.joined_at,
            )


@dataclass(frozen=True, slots=True)
class Decide(Patch):
    """Joins move on (rewarded, left, revoked, ...): only those still in the expected status
    change, so a reward is decided once however often its check runs."""

    changes: tuple[StatusChange, ...]
    at: datetime
    # a check when a paid reward may still be taken back (user, joined_at) → due
    rechecks: tuple[tuple[str, datetime, datetime], ...] = ()
    cancel_steps_of: str | None = None  # an invitee who left: their checks are dropped

    async def apply(self, ctx: ApplyContext) -> None:
        done = await q.set_statuses(ctx.store, ctx.community, self.changes, self.at)
        if len(done) != len(self.changes):
            raise AlreadyDone(f"{len(self.changes) - len(done)} referrals were decided already")
        mine = part(ctx.memory)
        for c in done:
            for rec in mine.rows:
                if rec.user_id == c.user_id and rec.joined_at == c.joined_at:
                    rec.status, rec.note, rec.decided_at = c.status, c.note, self.at
        for user_id, joined_at, due in self.rechecks:
            await ctx.store.schedule_step(
                ctx.community,
                kind=RECHECK,
                key=f"{ctx.community.id}:{RECHECK}:{user_id}:{joined_at.isoformat()}",
                due_at=due,
                user_id=user_id,
                payload={"joined_at": joined_at.isoformat()},
                created_at=self.at,
            )
        if self.cancel_steps_of is not None:
            await ctx.store.cancel_steps(
                ctx.community, user_id=self.cancel_steps_of, kind_prefix="referrals.", at=self.at
            )
