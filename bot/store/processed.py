"""Every event once: the keys of handled events, per community.

An adapter gives each event a stable key from its platform (`Event.key`); the runtime uses
its `digest`. It asks `seen` before handling an event and then `note`s the key, before the
event buffers anything. Noted keys are written by the store's next flush, in the same
transaction as the counters and write-behind state the event produced: after a crash an event
is either recorded with its counters (a redelivery does nothing) or neither is (handling it
again counts it once). An event that wrote through or acted (a case, a payment, a post) has
that flush run at once, so its key is durable with its effects.

Asking costs no query on the common path: keys handled by this process are remembered (a
bounded list per community), and the database is asked only about an event no later than the
newest key it held when the community was first seen (a redelivery after a restart) or than a
key already forgotten here."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from bot.store.models_processed import ProcessedEvent

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from bot.store.store import CommunityRef, Store

RETENTION = timedelta(days=14)  # platforms redeliver for hours (Telegram: 24 h), not weeks
RECENT_KEPT = 512  # keys remembered per community in this process
PRUNE_EVERY = timedelta(hours=1)


def digest(key: str) -> str:
    """What is stored of an event key: a fixed-length hash (a key may hold a member's id,
    e.g. a Discord reaction's; the hash holds no personal data and fits any column)."""
    return hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=16).hexdigest()


class ProcessedKeys:
    """The store's flush part for processed keys, and the in-process memory of them."""

    NAME = "processed_events"

    def __init__(
        self, retention: timedelta | None = RETENTION, recent_kept: int = RECENT_KEPT
    ) -> None:
        # None: keep every key (a replay database is history, rerun at any time)
        self.retention = retention
        self._kept = recent_kept
        self.rows: dict[tuple[int, str], datetime] = {}  # noted, not yet flushed
        self._recent: dict[int, OrderedDict[str, datetime]] = {}
        # events at or before this time may have been handled: ask the database
        self._mark: dict[int, datetime | None] = {}
        self._pruned_at: datetime | None = None

    # -- asking and noting ---------------------------------------------------------------------

    async def seen(self, store: Store, ref: CommunityRef, key: str, at: datetime) -> bool:
        if (ref.id, key) in self.rows or key in self._recent.get(ref.id, ()):
            return True
        if ref.id not in self._mark:
            async with store.sessions() as s:
                self._mark[ref.id] = await s.scalar(
                    select(func.max(ProcessedEvent.at)).where(ProcessedEvent.community_id == ref.id)
                )
        mark = self._mark[ref.id]
        if mark is None or at > mark:
            return False
        async with store.sessions() as s:
            found = await s.scalar(
                select(ProcessedEvent.id).where(
                    ProcessedEvent.community_id == ref.id, ProcessedEvent.key == key
                )
            )
        if found is not None:
            self._remember(ref.id, key, at)
        return found is not None

    def note(self, ref: CommunityRef, key: str, at: datetime) -> None:
        """Handled: written with the next flush."""
        self.rows[(ref.id, key)] = at
        self._remember(ref.id, key, at)

    def _remember(self, community_id: int, key: str, at: datetime) -> None:
        recent = self._recent.setdefault(community_id, OrderedDict())
        recent[key] = at
        while len(recent) > self._kept:
            _, old = recent.popitem(last=False)
            # a forgotten key is only in the database (or in `rows`) now: ask it from here on
            mark = self._mark.get(community_id)
            self._mark[community_id] = old if mark is None else max(mark, old)

    # -- FlushPart -----------------------------------------------------------------------------

    def pending(self) -> bool:
        return bool(self.rows)

    def take(self) -> dict[tuple[int, str], datetime]:
        taken, self.rows = self.rows, {}
        return taken

    def merge_back(self, taken: dict[tuple[int, str], datetime]) -> None:
        taken.update(self.rows)
        self.rows = taken

    def write(self, s: Connection, store: Store, taken: dict[tuple[int, str], datetime]) -> None:
        if not taken:
            return
        stmt = store.insert_new(
            "processed_event", ProcessedEvent, [ProcessedEvent.community_id, ProcessedEvent.key]
        )
        s.execute(stmt, [{"community_id": c, "key": k, "at": at} for (c, k), at in taken.items()])
        self._prune(s, max(taken.values()))

    def _prune(self, s: Connection, newest: datetime) -> None:
        """Keys older than the retention period go, at most once an hour of event time (a time
        far in the future does not count: it would prune everything)."""
        if self.retention is None:
            return
        now = min(newest, datetime.now(UTC) + timedelta(days=1))
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        s.execute(delete(ProcessedEvent).where(ProcessedEvent.at < now - self.retention))
