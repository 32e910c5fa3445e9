"""Due steps that carry nothing out (a follow-up for a member who has posted since): marked done
with the next batched flush instead of a transaction each.

Most due ticks end so (a welcome follow-up skipped because the newcomer spoke): one commit per
tick was most of what the due ticks cost. A settled step acts on nobody, so there is no action
to do once: its row only has to stop being pending. It leaves the store's due index at once
(it is not due again), and the index, read again or polled, leaves it out until it is written.

What a crash may lose: the settled steps since the last flush stay pending in the database;
after a restart they are due again and decided again from the restored state. A job under a
lease (several processes) never settles this way: its steps are claimed as before, so a new
owner's claim never meets a row finished outside our lease.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update

from bot.store.models import PendingStep

_TABLE = PendingStep.__table__
# one statement for every flush (executemany); only a still-pending row changes
_SETTLE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("step_id"), _TABLE.c.status == "pending")
    .values(status="done", done_at=bindparam("at"))
)


class SettledSteps:
    """Step id → when it was settled, written by `Store.flush` with the counters."""

    NAME = "steps.settled"

    def __init__(self) -> None:
        self.steps: dict[int, datetime] = {}
        # the last flush's: still left out of the index while that flush commits (after it,
        # they are no longer pending anyway)
        self.writing: dict[int, datetime] = {}

    def add(self, step_ids: tuple[int, ...], at: datetime) -> None:
        for step_id in step_ids:
            self.steps.setdefault(step_id, at)

    def __contains__(self, step_id: int) -> bool:
        return step_id in self.steps or step_id in self.writing

    def pending(self) -> bool:
        return bool(self.steps)

    def take(self) -> dict[int, datetime]:
        self.writing, self.steps = self.steps, {}
        return self.writing

    def merge_back(self, taken: dict[int, datetime]) -> None:
        self.steps = {**taken, **self.steps}
        self.writing = {}

    def write(self, conn: Any, store: Any, taken: dict[int, datetime]) -> None:
        if taken:
            conn.execute(_SETTLE, [{"step_id": i, "at": at} for i, at in taken.items()])
