"""The lease fence of a scheduled job: its claim commits only while this process still holds
the community's lease.

A job claims its work (a calendar post's row, a step moved from pending, a reminder marked)
before it acts, so two processes never both act. The fence makes the claimer also the OWNER:
inside the claim's own transaction, right before it commits, the server is asked whether our
lease session still holds the community's advisory lock (`CommunityLeases.confirm`). When it
does not, `LeaseLost` rolls the claim back with the transaction — nothing was written, so the
new owner's claim (which waited on our uncommitted row) succeeds and it acts, once. When it
does, the claim is committed under the lease and the new owner, whenever it takes over, finds
it taken.

Only the first write transaction of a job's claims is fenced (its `Gate` is then passed): what
the same claims write after it must not be lost to a lease that went since. A decision whose
claims wrote nothing, or that claims nothing, asks once on the lease session before it acts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

# community id, the claim's open transaction (None: ask on the lease session) → still ours?
Confirm = Callable[[int, AsyncSession | None], Awaitable[bool]]
# the same, for one community and one job run
Check = Callable[[AsyncSession | None], Awaitable[bool]]


class LeaseLost(Exception):
    """The community's lease was lost before the job acted: its claim is rolled back and its
    actions are dropped; the new owner does the work."""


def job_fence(confirm: Confirm, community_id: int, label: str, job: str) -> Check:
    """The check of one job run in one community: once the lease is found lost it stays lost
    for the rest of the run (no more I/O), said once in the log."""
    lost = False

    async def check(session: AsyncSession | None) -> bool:
        nonlocal lost
        if not lost and not await confirm(community_id, session):
            lost = True
            log.warning("lease for community %s lost before %s; left to the new owner", label, job)
        return not lost

    return check


@dataclass(slots=True)
class Gate:
    """One decision's passage through the fence."""

    check: Check
    passed: bool = False  # a claim committed under the lease, or the lease was confirmed
    # the task applying the claims: a task it starts inherits the context, not the fence
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)

    async def confirm(self) -> None:
        """Before the decision acts: asked on the lease session unless a claim passed."""
        if not self.passed and not await self.check(None):
            raise LeaseLost
        self.passed = True


# the gate the current task's claim passes through (set by the executor around a job's claim
# patches only; each task has its own value, so an event handled beside the job is not fenced)
_GATE: ContextVar[Gate | None] = ContextVar("qunbot_lease_gate", default=None)


@contextlib.contextmanager
def fenced(gate: Gate) -> Iterator[None]:
    token = _GATE.set(gate)
    try:
        yield
    finally:
        _GATE.reset(token)


def open_gate() -> Gate | None:
    """The gate the next write transaction of this task must pass, if any."""
    gate = _GATE.get()
    if gate is None or gate.passed or gate.task is not asyncio.current_task():
        return None
    return gate


@contextlib.asynccontextmanager
async def begin_fenced(maker: async_sessionmaker[AsyncSession], gate: Gate) -> AsyncIterator[Any]:
    """`maker.begin()`, asking the gate inside the transaction, after its writes and before its
    commit: a lost lease rolls the whole transaction back."""
    async with maker.begin() as session:
        yield session
        if not await gate.check(session):
            raise LeaseLost
    gate.passed = True
