"""Member data rights: what each capability stores about a member, and how it is forgotten.

Every capability declares its tables as `MemberRows` on its `Capability` (as each Red cog
implements `red_delete_data_for_user`); the core declares its own below. `/mydata` exports the
rows, `/forget` (and `qunbot member forget`) deletes or anonymises them:

- `delete`: rows only about the member (their balance, streak, opt-out) go;
- `anonymise`: rows others' history counts (cases, joins, daily activity, ledger rows) stay, the
  member's id replaced by `anon:<keyed hash>` (HMAC-SHA-256 with a salt kept per community, so the
  same member always gets the same key inside one community and no key can be reversed);
- `clear` columns (flagged message text, alert texts) are emptied on the rows about them;
- `scrub` columns (free text, JSON) have the id replaced wherever it occurs, in every row.

Afterwards a sweep looks at every string column of every table: an id still found there is
anonymised too and reported, so a capability that forgot to declare a table is noticed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

How = Literal["delete", "anonymise", "scrub"]
ANON_PREFIX = "anon:"


@dataclass(frozen=True, slots=True)
class MemberRows:
    """How one table holds members' data. `table` is the model class (or its Table)."""

    table: Any
    how: How
    # the column holding the member's id (unused for how="scrub")
    column: str = "user_id"
    # more id columns that may name the member (the moderator of a case): anonymised
    also: tuple[str, ...] = ()
    # columns emptied on the rows about the member (flagged text they wrote, alert texts)
    clear: tuple[str, ...] = ()
    # free-text and JSON columns where the id is replaced wherever it occurs, in every row
    scrub: tuple[str, ...] = ()
    # columns left out of /mydata (other people's ids, internal keys)
    private: tuple[str, ...] = ()
    # the heading of these rows in the export
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or _table(self.table).name


def _table(table: Any) -> Any:
    return getattr(table, "__table__", table)


def core_member_rows() -> tuple[MemberRows, ...]:
    """The core tables: the member directory, joins and leaves, activity, audit, steps."""
    from bot.store.models import (
        ActivityDaily,
        AuditEntry,
        CommunityState,
        DmReachability,
        Member,
        MembershipEvent,
        PendingStep,
    )

    return (
        MemberRows(Member, "delete", private=("id", "community_id"), label="member"),
        # whether the bot may write to them privately: a fact of the platform
        MemberRows(DmReachability, "delete", private=("platform",), label="private_messages"),
        MemberRows(
            MembershipEvent, "anonymise", private=("id", "community_id"), label="joins_and_leaves"
        ),
        MemberRows(ActivityDaily, "anonymise", private=("community_id",), label="daily_activity"),
        MemberRows(
            AuditEntry,
            "anonymise",
            column="target_user",
            clear=("text",),
            scrub=("reason", "detail", "text", "channel"),
            private=("id", "community_id"),
            label="bot_actions",
        ),
        # their own scheduled steps (welcome follow-ups) go; others' keys are scrubbed
        MemberRows(
            PendingStep,
            "delete",
            scrub=("key", "payload"),
            private=("id", "community_id", "key"),
            label="scheduled_steps",
        ),
        # windows and cooldowns dumped as JSON by each capability
        MemberRows(CommunityState, "scrub", scrub=("value",), label="community_values"),
    )


# -- anonymous keys --------------------------------------------------------------------------


def anon_key(salt: str, platform: str, user_id: str) -> str:
    """`anon:` + 16 hex digits of HMAC-SHA-256(salt, platform:user): stable per community,
    not reversible without the salt, short enough for every id column (64 characters)."""
    digest = hmac.new(salt.encode(), f"{platform}:{user_id}".encode(), hashlib.sha256)
    return ANON_PREFIX + digest.hexdigest()[:16]


def is_anonymous(user_id: str | None) -> bool:
    return bool(user_id) and str(user_id).startswith(ANON_PREFIX)


_WORD = "0-9A-Za-z_"


def id_pattern(user_id: str) -> re.Pattern[str] | None:
    """Where `user_id` occurs as a whole word in a text — None for ids too short to find in
    free text safely (a 3-digit number would match clock times): those are only replaced in
    id columns."""
    if user_id.isdigit() and len(user_id) < 5:
        return None
    return re.compile(rf"(?<![{_WORD}]){re.escape(user_id)}(?![{_WORD}])")


def scrub_text(value: str, pattern: re.Pattern[str] | None, anon: str) -> str:
    return pattern.sub(anon, value) if pattern is not None else value


def scrub_json(value: Any, user_id: str, pattern: re.Pattern[str] | None, anon: str) -> Any:
    """The same JSON with the member's id replaced in every key and string."""
    if isinstance(value, str):
        return anon if value == user_id else scrub_text(value, pattern, anon)
    if isinstance(value, list):
        return [scrub_json(v, user_id, pattern, anon) for v in value]
    if isinstance(value, dict):
        return {
            scrub_json(k, user_id, pattern, anon): scrub_json(v, user_id, pattern, anon)
            for k, v in value.items()
        }
    return value


@dataclass(slots=True)
class ForgetReport:
    """What `/forget` changed: rows per table, and what only the sweep found."""

    anon: str
    deleted: dict[str, int]
    anonymised: dict[str, int]
    cleared: dict[str, int]
    # "table.column" → rows where an undeclared column still held the id
    swept: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.anonymised.values())

    def summary(self) -> str:
        parts = [f"{n} {t} deleted" for t, n in sorted(self.deleted.items()) if n]
        parts += [f"{n} {t} anonymised" for t, n in sorted(self.anonymised.items()) if n]
        parts += [f"{n} {t} found by the sweep" for t, n in sorted(self.swept.items()) if n]
        return ", ".join(parts) or "nothing was stored"


def declared_tables(specs: Sequence[MemberRows]) -> set[str]:
    return {_table(s.table).name for s in specs}


def all_member_rows(capabilities: Sequence[Any]) -> tuple[MemberRows, ...]:
    """The core's declarations and every capability's, in capability order."""
    return core_member_rows() + tuple(r for c in capabilities for r in c.member_data)
