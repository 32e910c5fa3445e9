"""Queries of member data rights: export one member's rows, forget them, enforce retention.

The tables come from the capabilities' `MemberRows` declarations (`bot.privacy`); this module
only knows how to read and change rows of any declared table, scoped to one community.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.privacy import ForgetReport, MemberRows, anon_key, id_pattern, scrub_json, scrub_text
from bot.store.models import Base, CommunityState
from bot.store.store import CommunityRef, Store

log = logging.getLogger(__name__)

SALT_KEY = "privacy.salt"
# tables whose string columns never hold a person's id (community ids, hashed credentials)
NOT_PEOPLE = frozenset({"communities", "web_tokens", "alembic_version"})
_SCOPE_COLUMNS = frozenset({"community_id", "platform"})


def _table(spec_table: Any) -> Table:
    return getattr(spec_table, "__table__", spec_table)


def _scope(table: Table, ref: CommunityRef) -> list[Any]:
    """Rows of this community only (or of its platform, for per-person platform facts)."""
    if "community_id" in table.c:
        return [table.c.community_id == ref.id]
    if "platform" in table.c:
        return [table.c.platform == ref.platform]
    return []


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# -- the per-community salt ------------------------------------------------------------------


async def community_salt(store: Store, ref: CommunityRef) -> str:
    """The community's secret for anonymous keys: made once, kept in `community_state`."""
    saved = await store.get_state(ref, SALT_KEY)
    if saved and saved.get("salt"):
        return str(saved["salt"])
    stmt = store.insert(CommunityState).values(
        community_id=ref.id,
        key=SALT_KEY,
        value={"salt": secrets.token_hex(32)},
        updated_at=datetime.now(UTC),
    )
    async with store.sessions.begin() as s:
        await s.execute(stmt.on_conflict_do_nothing())
    saved = await store.get_state(ref, SALT_KEY) or {}
    return str(saved["salt"])


async def anonymous_key(store: Store, ref: CommunityRef, user_id: str) -> str:
    return anon_key(await community_salt(store, ref), ref.platform, user_id)


# -- export ----------------------------------------------------------------------------------


async def export_member(
    store: Store, ref: CommunityRef, user_id: str, specs: Sequence[MemberRows]
) -> dict[str, list[dict[str, Any]]]:
    """Every declared row about the member, by heading; other people's ids left out."""
    out: dict[str, list[dict[str, Any]]] = {}
    await store.settle_audit()  # the audit log is write-behind
    async with store.sessions() as s:
        for spec in specs:
            if spec.how == "scrub":
                continue
            table = _table(spec.table)
            about = [table.c[spec.column] == user_id]
            about += [table.c[c] == user_id for c in spec.also]
            rows = await s.execute(
                select(table)
                .where(and_(*_scope(table, ref), or_(*about)))
                .order_by(*table.primary_key.columns)
            )
            hidden = {*spec.private, spec.column}
            found = []
            for row in rows.mappings():
                item = {k: _jsonable(v) for k, v in row.items() if k not in hidden}
                for column in spec.also:  # a moderator's id is theirs, not the member's
                    if item.get(column) not in (None, user_id):
                        item[column] = "someone else"
                found.append(item)
            if found:
                out.setdefault(spec.name, []).extend(found)
        mentions = await _state_keys_mentioning(s, ref, user_id)
    if mentions:
        out["short_term_memory"] = [{"key": key} for key in mentions]
    return out


async def _state_keys_mentioning(s: AsyncSession, ref: CommunityRef, user_id: str) -> list[str]:
    rows = await s.execute(
        select(CommunityState.key, CommunityState.value).where(
            CommunityState.community_id == ref.id,
            cast(CommunityState.value, Text).contains(user_id, autoescape=True),
        )
    )
    return [r[0] for r in rows if _mentions(r[1], user_id)]


def _mentions(value: Any, user_id: str) -> bool:
    return scrub_json(value, user_id, id_pattern(user_id), "\0") != value


# -- forget ----------------------------------------------------------------------------------


async def forget_member(
    store: Store, ref: CommunityRef, user_id: str, specs: Sequence[MemberRows]
) -> ForgetReport:
    """Delete or anonymise the member's rows in every declared table, then sweep every table
    for the id. One transaction: a failure changes nothing."""
    await store.settle_audit()  # the audit log is write-behind: its rows are forgotten too
    anon = await anonymous_key(store, ref, user_id)
    pattern = id_pattern(user_id)
    report = ForgetReport(anon, {}, {}, {}, {})
    async with store.sessions.begin() as s:
        name = await _member_name(s, ref, user_id)
        name_pattern = _name_pattern(name)
        for spec in specs:
            await _forget_in(s, ref, spec, user_id, anon, pattern, name_pattern, report)
        await _sweep(s, ref, user_id, anon, pattern, report)
    store.steps_changed()
    return report


async def _member_name(s: AsyncSession, ref: CommunityRef, user_id: str) -> str:
    from bot.store.models import Member

    name = await s.scalar(
        select(Member.name).where(Member.community_id == ref.id, Member.user_id == user_id)
    )
    return name or ""


def _name_pattern(name: str) -> re.Pattern[str] | None:
    name = name.strip()
    if len(name) < 2:
        return None
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


async def _forget_in(
    s: AsyncSession,
    ref: CommunityRef,
    spec: MemberRows,
    user_id: str,
    anon: str,
    pattern: re.Pattern[str] | None,
    name_pattern: re.Pattern[str] | None,
    report: ForgetReport,
) -> None:
    table = _table(spec.table)
    scope = _scope(table, ref)
    if spec.how != "scrub":
        about = and_(*scope, table.c[spec.column] == user_id)
        if spec.how == "delete":
            done = await s.execute(delete(table).where(about))
            _count(report.deleted, table.name, done.rowcount)
        else:
            values: dict[str, Any] = {spec.column: anon, **{c: None for c in spec.clear}}
            try:
                async with s.begin_nested():
                    done = await s.execute(update(table).where(about).values(**values))
                _count(report.anonymised, table.name, done.rowcount)
                if spec.clear:
                    _count(report.cleared, table.name, done.rowcount)
            except IntegrityError:
                # the anonymous key already has such a row (forgotten before, back since):
                # the newer rows go rather than merge
                done = await s.execute(delete(table).where(about))
                _count(report.deleted, table.name, done.rowcount)
        for column in spec.also:
            done = await s.execute(
                update(table).where(and_(*scope, table.c[column] == user_id)).values({column: anon})
            )
            _count(report.anonymised, f"{table.name}.{column}", done.rowcount)
        if name_pattern is not None and spec.scrub:
            await _scrub_name(s, table, spec, scope, anon, name_pattern)
    for column in spec.scrub:
        await _scrub_column(s, table, column, scope, user_id, anon, pattern)


async def _scrub_name(
    s: AsyncSession,
    table: Table,
    spec: MemberRows,
    scope: list[Any],
    anon: str,
    name_pattern: re.Pattern[str],
) -> None:
    """On the rows about the member, their display name goes from the free texts too."""
    texts = [c for c in spec.scrub if not isinstance(table.c[c].type, JSON)]
    if not texts:
        return
    pk = list(table.primary_key.columns)
    rows = await s.execute(
        select(*pk, *(table.c[c] for c in texts)).where(and_(*scope, table.c[spec.column] == anon))
    )
    for row in rows.all():
        values = {
            c: name_pattern.sub(anon, row[len(pk) + i])
            for i, c in enumerate(texts)
            if isinstance(row[len(pk) + i], str)
        }
        changed = {c: v for i, (c, v) in enumerate(values.items()) if v != row[len(pk) + i]}
        if changed:
            await s.execute(update(table).where(*_pk_match(pk, row)).values(**changed))


def _pk_match(pk: list[Any], row: Any) -> list[Any]:
    return [column == row[i] for i, column in enumerate(pk)]


async def _scrub_column(
    s: AsyncSession,
    table: Table,
    column: str,
    scope: list[Any],
    user_id: str,
    anon: str,
    pattern: re.Pattern[str] | None,
) -> int:
    """Replace the id wherever it occurs in one free-text or JSON column; rows changed."""
    col = table.c[column]
    is_json = isinstance(col.type, JSON)
    if pattern is None and not is_json:
        found = col == user_id  # a short numeric id: only where it is the whole value
    else:
        found = (
            cast(col, Text).contains(user_id, autoescape=True)
            if is_json
            else col.contains(user_id, autoescape=True)
        )
    pk = list(table.primary_key.columns)
    rows = (await s.execute(select(*pk, col).where(and_(*scope, found)))).all()
    changed = 0
    for row in rows:
        value = row[len(pk)]
        if is_json:
            new = scrub_json(value, user_id, pattern, anon)
        elif value == user_id:
            new = anon
        else:
            new = scrub_text(value, pattern, anon)
        if new == value:
            continue
        try:
            async with s.begin_nested():
                await s.execute(update(table).where(*_pk_match(pk, row)).values({column: new}))
        except IntegrityError:  # a unique key (a claim) that now names the anonymous key twice
            await s.execute(delete(table).where(*_pk_match(pk, row)))
        changed += 1
    return changed


async def _sweep(
    s: AsyncSession,
    ref: CommunityRef,
    user_id: str,
    anon: str,
    pattern: re.Pattern[str] | None,
    report: ForgetReport,
) -> None:
    """Every string column of every table, for what the declarations missed."""
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_PEOPLE:
            continue
        scope = _scope(table, ref)
        for col in table.columns:
            if not isinstance(col.type, String | Text | JSON) or col.name in _SCOPE_COLUMNS:
                continue
            changed = await _scrub_column(s, table, col.name, scope, user_id, anon, pattern)
            if changed:
                log.warning(
                    "forget: %s.%s still named the member in %d rows (no capability declares "
                    "it); anonymised",
                    table.name,
                    col.name,
                    changed,
                )
                _count(report.swept, f"{table.name}.{col.name}", changed)


def _count(counts: dict[str, int], key: str, n: int | None) -> None:
    if n:
        counts[key] = counts.get(key, 0) + int(n)


# -- retention -------------------------------------------------------------------------------


async def prune(
    store: Store, ref: CommunityRef, periods: dict[str, Any], now: datetime
) -> dict[str, int]:
    """Delete (or empty) records older than their period (None: kept forever). Records still
    in force — an active ban, timeout or warning — are never pruned. Returns rows per kind."""
    from bot.store.models import ActivityDaily, ActivityHourly, AuditEntry, MembershipEvent
    from rules.moderation.models import ModerationCase, SpamSample

    await store.settle_audit()  # the audit log is write-behind

    def horizon(kind: str) -> datetime | None:
        period = periods.get(kind)
        return None if period is None else now - period

    c = ModerationCase
    found = await _prunable(store, ref, horizon)
    counts = dict.fromkeys(found, 0)

    def cutoff(kind: str) -> datetime | None:
        return horizon(kind) if found.get(kind) else None

    if not any(found.values()):
        return counts  # nothing is older than its period: no write transaction at all
    async with store.sessions.begin() as s:
        if (at := cutoff("audit_log")) is not None:
            done = await s.execute(
                delete(AuditEntry).where(AuditEntry.community_id == ref.id, AuditEntry.at < at)
            )
            counts["audit_log"] = done.rowcount or 0
        if (at := cutoff("audit_texts")) is not None:
            done = await s.execute(
                update(AuditEntry)
                .where(
                    AuditEntry.community_id == ref.id,
                    AuditEntry.at < at,
                    AuditEntry.text.is_not(None),
                )
                .values(text=None)
            )
            counts["audit_texts"] = done.rowcount or 0
        if (at := cutoff("activity")) is not None:
            n = 0
            for table, column in (
                (ActivityDaily, ActivityDaily.day),
                (ActivityHourly, ActivityHourly.day),
            ):
                done = await s.execute(
                    delete(table).where(table.community_id == ref.id, column < at.date())
                )
                n += done.rowcount or 0
            done = await s.execute(
                delete(MembershipEvent).where(
                    MembershipEvent.community_id == ref.id, MembershipEvent.at < at
                )
            )
            counts["activity"] = n + (done.rowcount or 0)
        if (at := cutoff("cases")) is not None:
            newest = await s.scalar(select(func.max(c.number)).where(c.community_id == ref.id))
            over = and_(
                c.community_id == ref.id,
                c.created_at < at,
                c.number < (newest or 0),  # the newest case stays: numbers are never reused
                # still in force: a ban not lifted, a running timeout, an unexpired warning
                ~and_(c.action == "ban", c.reversed_at.is_(None), _open_end(c.ends_at, now)),
                ~and_(c.action == "timeout", c.lifted_at.is_(None), _later(c.ends_at, now)),
                ~and_(c.weight > 0, c.reversed_at.is_(None), _open_end(c.expires_at, now)),
            )
            done = await s.execute(delete(c).where(over))
            counts["cases"] = done.rowcount or 0
        if (at := cutoff("case_evidence")) is not None:
            done = await s.execute(
                update(c)
                .where(c.community_id == ref.id, c.created_at < at, c.evidence.is_not(None))
                .values(evidence=None)
            )
            counts["case_evidence"] = done.rowcount or 0
        if (at := cutoff("spam_samples")) is not None:
            done = await s.execute(
                delete(SpamSample).where(SpamSample.community_id == ref.id, SpamSample.at < at)
            )
            counts["spam_samples"] = done.rowcount or 0
    return counts


def _probe(kind: str) -> Any:
    """Whether any row of `kind` matches (a superset of) what `prune` changes: bound
    parameters `cid` and `at` (the kind's horizon; `day`, its date, for the daily tables)."""
    from bot.store.models import ActivityDaily, ActivityHourly, AuditEntry, MembershipEvent
    from rules.moderation.models import ModerationCase as c
    from rules.moderation.models import SpamSample

    cid, at = bindparam("cid"), bindparam(f"at_{kind}")
    if kind == "audit_log":
        return exists().where(AuditEntry.community_id == cid, AuditEntry.at < at)
    if kind == "audit_texts":
        return exists().where(
            AuditEntry.community_id == cid, AuditEntry.at < at, AuditEntry.text.is_not(None)
        )
    if kind == "activity":
        day = bindparam("day_activity")
        return or_(
            # (community_id, day) indexes: the primary key's prefix misses `day` on the first
            exists().where(ActivityDaily.community_id == cid, ActivityDaily.day < day),
            exists().where(ActivityHourly.community_id == cid, ActivityHourly.day < day),
            exists().where(MembershipEvent.community_id == cid, MembershipEvent.at < at),
        )
    if kind == "cases":  # a superset: in force or newest, it stays
        return exists().where(c.community_id == cid, c.created_at < at)
    if kind == "case_evidence":
        return exists().where(c.community_id == cid, c.created_at < at, c.evidence.is_not(None))
    if kind == "spam_samples":
        return exists().where(SpamSample.community_id == cid, SpamSample.at < at)
    raise ValueError(f"no retention probe for {kind!r}")


PRUNED_KINDS = (
    "audit_log",
    "audit_texts",
    "activity",
    "cases",
    "case_evidence",
    "spam_samples",
)


async def _prunable(
    store: Store, ref: CommunityRef, horizon: Callable[[str], datetime | None]
) -> dict[str, bool]:
    """Per kind with a period, whether any row matches (a superset of) what `prune` deletes or
    empties, in one read: a kind with none would change nothing, so its statements are skipped.
    The statements only remove matches, so what one finds none for stays empty through them.
    The query is built once per set of kinds with a period (a playbook's retention)."""
    params: dict[str, Any] = {"cid": ref.id}
    kinds: list[str] = []
    for kind in PRUNED_KINDS:
        if (at := horizon(kind)) is not None:
            kinds.append(kind)
            params[f"at_{kind}"] = at
            if kind == "activity":
                params["day_activity"] = at.date()
    if not kinds:
        return {}
    query = store.statement(
        "privacy.prunable:" + ",".join(kinds),
        lambda: select(*(_probe(k).label(k) for k in kinds)),
    )
    row = await store.sessions.read(lambda conn: conn.execute(query, params).one())
    return {k: bool(v) for k, v in zip(kinds, row, strict=True)}


def _open_end(column: Any, now: datetime) -> Any:
    return or_(column.is_(None), column > now)


def _later(column: Any, now: datetime) -> Any:
    return and_(column.is_not(None), column > now)
