"""Queries of the web dashboard: credentials, and the filtered lists its pages show.

The dashboard's pages read through these functions and the capability query modules
(`rules.moderation.store`, `rules.points.store`, ...); no web code writes SQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update

from bot.store.models import AuditEntry, Community, Member, MembershipEvent
from bot.store.models_web import WebToken
from bot.store.store import CommunityRef, MemberInfo, Store, audit_dict
from bot.store.store import _member_info as _member_row
from rules.moderation.models import ModerationCase
from rules.moderation.store import CaseInfo
from rules.moderation.store import _info as _case_info

# -- credentials -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    role: str  # admin | moderator
    who: str
    expires_at: datetime


async def add_token(
    store: Store,
    *,
    kind: str,
    token_hash: str,
    role: str,
    who: str,
    at: datetime,
    expires_at: datetime,
) -> None:
    async with store.sessions.begin() as s:
        await s.execute(
            store.insert(WebToken).values(
                kind=kind,
                token_hash=token_hash,
                role=role,
                who=who[:200],
                created_at=at,
                expires_at=expires_at,
            )
        )


async def take_link(store: Store, token_hash: str, now: datetime) -> Credential | None:
    """Use a one-time link: the first caller gets its credential, every later one None."""
    async with store.sessions.begin() as s:
        result = await s.execute(
            update(WebToken)
            .where(
                WebToken.token_hash == token_hash,
                WebToken.kind == "link",
                WebToken.used_at.is_(None),
                WebToken.expires_at > now,
            )
            .values(used_at=now)
        )
        if not result.rowcount:
            return None
        row = await s.scalar(select(WebToken).where(WebToken.token_hash == token_hash))
    return Credential(row.role, row.who, row.expires_at) if row else None


async def link_state(store: Store, token_hash: str, now: datetime) -> tuple[str, str]:
    """('valid' | 'used' | 'expired' | 'unknown', who) — to tell why a link does not work."""
    async with store.sessions() as s:
        row = await s.scalar(
            select(WebToken).where(WebToken.token_hash == token_hash, WebToken.kind == "link")
        )
    if row is None:
        return "unknown", ""
    if row.used_at is not None:
        return "used", row.who
    return ("expired" if row.expires_at <= now else "valid"), row.who


async def session(store: Store, token_hash: str, now: datetime) -> Credential | None:
    async with store.sessions() as s:
        row = await s.scalar(
            select(WebToken).where(
                WebToken.token_hash == token_hash,
                WebToken.kind == "session",
                WebToken.expires_at > now,
            )
        )
    return Credential(row.role, row.who, row.expires_at) if row else None


async def end_session(store: Store, token_hash: str) -> None:
    async with store.sessions.begin() as s:
        await s.execute(delete(WebToken).where(WebToken.token_hash == token_hash))


async def purge_tokens(store: Store, now: datetime) -> int:
    """Forget credentials expired for a day (kept a day so a late click says "expired")."""
    async with store.sessions.begin() as s:
        result = await s.execute(
            delete(WebToken).where(WebToken.expires_at < now - timedelta(days=1))
        )
    return int(result.rowcount or 0)


# -- communities -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommunitySummary:
    ref: CommunityRef
    name: str
    members: int
    cases: int
    last_active_at: datetime | None


async def community_summaries(store: Store) -> list[CommunitySummary]:
    async with store.sessions() as s:
        communities = (await s.execute(select(Community).order_by(Community.id))).scalars().all()
        members = dict(
            (
                await s.execute(
                    select(Member.community_id, func.count())
                    .where(
                        or_(
                            Member.left_at.is_(None),
                            Member.joined_at > Member.left_at,
                        ),
                        Member.is_bot.is_(False),
                    )
                    .group_by(Member.community_id)
                )
            ).all()
        )
        last = dict(
            (
                await s.execute(
                    select(Member.community_id, func.max(Member.last_active_at)).group_by(
                        Member.community_id
                    )
                )
            ).all()
        )
        cases = dict(
            (
                await s.execute(
                    select(ModerationCase.community_id, func.count()).group_by(
                        ModerationCase.community_id
                    )
                )
            ).all()
        )
    return [
        CommunitySummary(
            CommunityRef(c.id, c.platform, c.external_id),
            c.name,
            int(members.get(c.id, 0)),
            int(cases.get(c.id, 0)),
            last.get(c.id),
        )
        for c in communities
    ]


async def community_by_id(store: Store, community_id: int) -> CommunityRef | None:
    async with store.sessions() as s:
        row = await s.get(Community, community_id)
    return CommunityRef(row.id, row.platform, row.external_id) if row else None


# -- cases -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFilter:
    member: str | None = None  # a user id, or part of a member's name
    action: str | None = None
    moderator: str | None = None  # a moderator's id or part of their name, or a rule's name
    start: datetime | None = None
    end: datetime | None = None  # exclusive


async def search_cases(
    store: Store, ref: CommunityRef, f: CaseFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[CaseInfo], int]:
    """The cases matching every given filter, newest first, and how many match in all."""
    conds: list[Any] = [ModerationCase.community_id == ref.id]
    if f.member:
        named = select(Member.user_id).where(
            Member.community_id == ref.id, Member.name.ilike(f"%{_like(f.member)}%", escape="\\")
        )
        conds.append(or_(ModerationCase.user_id == f.member, ModerationCase.user_id.in_(named)))
    if f.action:  # any action of the incident: a warning escalated to a timeout is both
        step = json.dumps({"kind": f.action})[1:-1]  # '"kind": "timeout"', as the JSON is written
        conds.append(
            or_(
                ModerationCase.action == f.action,
                cast(ModerationCase.actions, Text).contains(step, autoescape=True),
            )
        )
    if f.moderator:  # an id, part of a moderator's name, or an automatic rule's name
        by_name = select(Member.user_id).where(
            Member.community_id == ref.id,
            Member.name.ilike(f"%{_like(f.moderator)}%", escape="\\"),
        )
        conds.append(
            or_(
                ModerationCase.actor_id == f.moderator,
                ModerationCase.actor_id.in_(by_name),
                ModerationCase.rule == f.moderator,
            )
        )
    if f.start:
        conds.append(ModerationCase.created_at >= f.start)
    if f.end:
        conds.append(ModerationCase.created_at < f.end)
    async with store.sessions() as s:
        total = await s.scalar(select(func.count()).select_from(ModerationCase).where(*conds))
        rows = (
            (
                await s.execute(
                    select(ModerationCase)
                    .where(*conds)
                    .order_by(ModerationCase.number.desc())
                    .limit(limit)
                    .offset(offset)
                )
            )
            .scalars()
            .all()
        )
    return [_case_info(r) for r in rows], int(total or 0)


async def case_kinds(store: Store, ref: CommunityRef) -> list[str]:
    """Every kind of action the community's cases took (a case's escalation included)."""
    async with store.sessions() as s:
        rows = await s.execute(
            select(ModerationCase.action, ModerationCase.actions).where(
                ModerationCase.community_id == ref.id
            )
        )
        kinds = set()
        for action, steps in rows:
            kinds.add(action)
            kinds.update(str(a.get("kind")) for a in steps or () if a.get("kind"))
    return sorted(kinds)


# the audit rows written for a case: the action itself runs right after the case is opened
_CASE_WINDOW = timedelta(minutes=2)


async def case_actions(store: Store, ref: CommunityRef, case: CaseInfo) -> list[dict[str, Any]]:
    """Audit-log entries about the case's member around the case's opening and its reversal."""
    windows = [(case.created_at - timedelta(seconds=5), case.created_at + _CASE_WINDOW)]
    if case.reversed_at:
        windows.append((case.reversed_at - timedelta(seconds=5), case.reversed_at + _CASE_WINDOW))
    near = or_(*(AuditEntry.at.between(a, b) for a, b in windows))
    await store.settle_audit()
    async with store.sessions() as s:
        rows = (
            (
                await s.execute(
                    select(AuditEntry)
                    .where(
                        AuditEntry.community_id == ref.id,
                        or_(
                            AuditEntry.target_user == case.user_id,
                            AuditEntry.reason.contains(f"#{case.number}"),
                        ),
                        near,
                    )
                    .order_by(AuditEntry.id)
                    .limit(100)
                )
            )
            .scalars()
            .all()
        )
    return [_audit_dict(r) for r in rows]


# -- members -----------------------------------------------------------------------------------


async def search_members(
    store: Store, ref: CommunityRef, query: str | None, *, limit: int = 50, offset: int = 0
) -> tuple[list[MemberInfo], int]:
    """Members whose id is `query` or whose name contains it (all when empty), most recently
    active first, and how many match in all."""
    conds: list[Any] = [Member.community_id == ref.id]
    if query:
        conds.append(
            or_(
                Member.user_id == query,
                Member.name.ilike(f"%{_like(query)}%", escape="\\"),
            )
        )
    async with store.sessions() as s:
        total = await s.scalar(select(func.count()).select_from(Member).where(*conds))
        rows = (
            (
                await s.execute(
                    select(Member)
                    .where(*conds)
                    .order_by(Member.last_active_at.desc().nulls_last(), Member.user_id)
                    .limit(limit)
                    .offset(offset)
                )
            )
            .scalars()
            .all()
        )
    return [store._with_unflushed(ref, _member_row(r)) for r in rows], int(total or 0)


async def member_names(store: Store, ref: CommunityRef, user_ids: list[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    async with store.sessions() as s:
        rows = await s.execute(
            select(Member.user_id, Member.name).where(
                Member.community_id == ref.id, Member.user_id.in_(set(user_ids))
            )
        )
    return {r[0]: r[1] for r in rows if r[1]}


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's moderation standing now: banned, timed out, or active warning points."""

    banned: bool = False
    timed_out_until: datetime | None = None
    warning_weight: int = 0


async def standings(
    store: Store, ref: CommunityRef, user_ids: list[str], now: datetime
) -> dict[str, Standing]:
    """Standing of each member from their unreversed cases (members without any: absent)."""
    if not user_ids:
        return {}
    async with store.sessions() as s:
        rows = (
            (
                await s.execute(
                    select(ModerationCase)
                    .where(
                        ModerationCase.community_id == ref.id,
                        ModerationCase.user_id.in_(set(user_ids)),
                        ModerationCase.reversed_at.is_(None),
                    )
                    .order_by(ModerationCase.number)
                )
            )
            .scalars()
            .all()
        )
    state: dict[str, dict[str, Any]] = {}
    for r in rows:
        st = state.setdefault(r.user_id, {"banned": False, "until": None, "weight": 0})
        # one case may warn and time out (or ban); a refused timeout or ban is not in force
        in_force = _case_info(r).in_force
        if r.action == "ban" and in_force:
            st["banned"] = r.ends_at is None or r.ends_at > now
        elif r.action == "unban":
            st["banned"] = False
        elif (
            r.action == "timeout"
            and in_force
            and r.lifted_at is None
            and r.ends_at
            and r.ends_at > now
        ):
            st["until"] = r.ends_at
        elif r.action == "untimeout":
            st["until"] = None
        if r.weight and (r.expires_at is None or r.expires_at > now):
            st["weight"] += r.weight
    return {u: Standing(v["banned"], v["until"], v["weight"]) for u, v in state.items()}


async def member_audit(
    store: Store, ref: CommunityRef, user_id: str, limit: int = 500
) -> list[dict[str, Any]]:
    """What the bot did to or for the member (audit rows targeting them), oldest first."""
    await store.settle_audit()
    async with store.sessions() as s:
        rows = (
            (
                await s.execute(
                    select(AuditEntry)
                    .where(AuditEntry.community_id == ref.id, AuditEntry.target_user == user_id)
                    .order_by(AuditEntry.id.desc())
                    .limit(limit)
                )
            )
            .scalars()
            .all()
        )
    return [_audit_dict(r) for r in reversed(rows)]


async def membership_history(
    store: Store, ref: CommunityRef, user_id: str, limit: int = 200
) -> list[tuple[datetime, str]]:
    """The member's joins and leaves (`join` | `leave`, with when), oldest first; the latest
    `limit` of them."""
    async with store.sessions() as s:
        rows = (
            await s.execute(
                select(MembershipEvent.at, MembershipEvent.kind)
                .where(MembershipEvent.community_id == ref.id, MembershipEvent.user_id == user_id)
                .order_by(MembershipEvent.at.desc(), MembershipEvent.id.desc())
                .limit(limit)
            )
        ).all()
    return [(at, kind) for at, kind in reversed(rows)]


_SIGN_IN_LINK = re.compile(r"(/login/link/)[A-Za-z0-9_\-]+")


def redacted(text: str | None) -> str | None:
    """Sign-in links sent by /dashboard are never shown again (a moderator reading the log
    must not sign in as the admin who asked for one)."""
    return _SIGN_IN_LINK.sub(r"\1…", text) if text else text


def _audit_dict(r: AuditEntry) -> dict[str, Any]:
    row = audit_dict(r)
    row["text"] = redacted(row["text"])
    return row


def _like(text: str) -> str:
    """Escape LIKE wildcards so a search for '50%' finds 50%, not everything."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
