"""The contract between the core and a platform adapter.

An adapter knows its platform only: it turns platform payloads into `bot.events` values and hands
them to an `EventSink`, and it performs `bot.actions` values. It never looks at a playbook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.actions import Action
from bot.commands import CommandSpec
from bot.events import Event

EventSink = Callable[[Event], Awaitable[object]]

# Channel names that mean "the moderators", on every platform, in the order a moderator channel
# is looked for (Discord: the first such channel found; Telegram: the moderators' chat or the
# administrators' DMs instead of the group, so cases are never shown to every member).
MODERATOR_CHANNEL_NAMES: tuple[str, ...] = (
    "mod-log",
    "modlog",
    "mod-logs",
    "mod_log",
    "moderators",
    "moderator-only",
    "mods",
    "staff",
)


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool = True
    detail: str = ""
    ref: str | None = None  # platform id of what was created (e.g. the posted message)


class PlatformError(Exception):
    """A platform refused or failed an action. `kind` tells the executor what to do next."""

    RATE_LIMITED = "rate_limited"  # retry after `retry_after` seconds
    FORBIDDEN = "forbidden"  # the bot lacks a permission: alert once, do not retry
    NOT_FOUND = "not_found"  # user, message or channel is gone: log, do not retry
    UNAVAILABLE = "unavailable"  # network or server trouble: retry with backoff
    # the person does not accept private messages from the bot (never started it on Telegram,
    # blocked it, closed DMs on Discord): not a missing permission; use the DM fallback
    UNREACHABLE = "unreachable"
    OTHER = "other"

    def __init__(self, kind: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in (self.RATE_LIMITED, self.UNAVAILABLE)


@runtime_checkable
class Adapter(Protocol):
    platform: str
    # action kinds (`Action.kind`) this adapter can perform
    capabilities: frozenset[str]

    def why_unsupported(self, kind: str) -> str:
        """One sentence for the audit log: why this platform cannot do `kind`."""
        ...

    def serves(self, community_id: str) -> bool:
        """Whether this process runs that community (e.g. its Discord shard is one of ours):
        only then does it take the community's lease and run its scheduled work."""
        ...

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        """Perform one action; raise `PlatformError` when the platform refuses."""
        ...

    async def start(self, sink: EventSink, commands: list[CommandSpec]) -> None:
        """Connect, register `commands`, and deliver every translated event to `sink`."""
        ...

    async def stop(self) -> None: ...


class AdapterStartError(PlatformError):
    """An adapter could not start (bad token, missing intents, platform unreachable). Not
    retried; the message says what the operator should change."""

    def __init__(self, message: str, kind: str = PlatformError.OTHER) -> None:
        super().__init__(kind, message)
