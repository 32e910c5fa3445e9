"""The shape of a capability: pure rules, their config section, commands and texts.

A rule is a pure function `fn(event, config, snapshot, now) -> Decision`. The snapshot is built
beforehand by the rule's async `load` function — the only place that reads the store — so the
decision itself never does I/O and can be replayed and explained.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from types import CoroutineType
from typing import TYPE_CHECKING, Any, ClassVar

from bot.actions import Action, Reply
from bot.commands import CommandSpec
from bot.configmodel import ConfigModel
from bot.events import CommandInvoked, Event
from bot.texts import Texts

if TYPE_CHECKING:
    from bot.events import Actor
    from bot.playbook.schema import CommunitySettings
    from bot.privacy import MemberRows
    from bot.state import CommunityState, MemberPart, StateLoader
    from bot.store import CommunityRef, Store
    from bot.store.fence import Check

# Asks the platform about a member the bot has never seen: an Actor with their standing, None
# when they are not in the community; raises when the platform cannot say.
MemberLookup = Callable[[str], Awaitable["Actor | None"]]


@dataclass(slots=True)
class ApplyContext:
    """What a patch may touch: the store, and the community state it keeps current."""

    store: Store
    community: CommunityRef
    state: CommunityState
    # the key of the event being applied (None: a tick, or an event without one)
    event_key: str | None = None
    # members forgotten by this decision's patches → their anonymous key: the audit rows of
    # the event name only the key
    forgotten: dict[str, str] = field(default_factory=dict)
    # a scheduled job's lease check (None: not a job, or no lease): its claims commit, and it
    # acts, only while this process owns the community (`bot/store/fence.py`)
    fence: Check | None = None
    _cases: int = 0

    @property
    def memory(self) -> dict[str, Any]:
        """The capabilities' parts of the community state."""
        return self.state.memory

    def next_case_key(self) -> str | None:
        """The key of the next case this event opens ("<event key>:<n>"): unique, so the
        same event handled again never opens its cases twice."""
        if self.event_key is None:
            return None
        self._cases += 1
        return f"{self.event_key}:{self._cases}"


class AlreadyDone(Exception):
    """Raised by a patch whose claim was already taken (a unique key exists): the executor then
    drops the rest of that decision — its later patches and all its actions — so a duplicated
    or replayed event never acts twice."""


class Patch:
    """A state change, applied by the executor before the decision's actions run (so a crash
    after the write never pays or posts twice). Patches are skipped in dry runs."""

    # no instance dict for the slotted dataclasses below it: with one, every patch (several
    # are made per message) also allocated the dict's values, ~25 % of what making it costs
    __slots__ = ()

    # a claim (its first write takes the work once, by a unique key or a changed-row count): in
    # a scheduled job, claims are fenced by the community's lease (`bot/store/fence.py`)
    claims: ClassVar[bool] = False

    async def apply(self, ctx: ApplyContext) -> None:
        raise NotImplementedError

    async def settle(self, ctx: ApplyContext, outcomes: Sequence[Any]) -> None:
        """Called after the decision's actions ran, with their `ActionOutcome`s (e.g. to mark a
        claimed post "sent" only if it was, so a failed post never counts). Default: nothing."""
        return None


class Decision:
    """What a rule decided: whether it fired, why, its actions and state patches.

    Immutable. `reason` may be given as a function of no arguments: a rule that did not fire
    can then say why (every trigger's miss, for `/automod explain`) without the common path
    paying for words nobody reads; the text is computed once, on first read."""

    __slots__ = ("fired", "_reason", "actions", "patches", "stop", "shadow")

    fired: bool
    actions: tuple[Action, ...]
    patches: tuple[Patch, ...]
    # True: later rules do not see this event (e.g. a message already deleted as spam)
    stop: bool
    # True: log what would have been done, change nothing (a rule in `mode: shadow`)
    shadow: bool

    def __init__(
        self,
        fired: bool,
        reason: str | Callable[[], str],
        actions: tuple[Action, ...] = (),
        patches: tuple[Patch, ...] = (),
        stop: bool = False,
        shadow: bool = False,
    ) -> None:
        # the slots' own setters: immutable for everyone else, and cheap (rules decide
        # several times per message)
        _SET_FIRED(self, fired)
        _SET_REASON(self, reason)
        _SET_ACTIONS(self, actions)
        _SET_PATCHES(self, patches)
        _SET_STOP(self, stop)
        _SET_SHADOW(self, shadow)

    @property
    def reason(self) -> str:
        reason = self._reason
        if not isinstance(reason, str):  # deferred: worded now, once
            reason = reason()  # type: ignore[operator]
            _SET_REASON(self, reason)
        return reason  # type: ignore[return-value]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Decision is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Decision is immutable: cannot delete {name}")

    def _key(self) -> tuple[Any, ...]:
        return (self.fired, self.reason, self.actions, self.patches, self.stop, self.shadow)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Decision:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Decision(fired={self.fired!r}, reason={self.reason!r}, actions={self.actions!r}, "
            f"patches={self.patches!r}, stop={self.stop!r}, shadow={self.shadow!r})"
        )

    @classmethod
    def skip(cls, reason: str | Callable[[], str]) -> Decision:
        return cls(False, reason)

    @classmethod
    def act(
        cls,
        actions: list[Action] | tuple[Action, ...],
        reason: str,
        patches: list[Patch] | tuple[Patch, ...] = (),
        *,
        stop: bool = False,
    ) -> Decision:
        return cls(True, reason, tuple(actions), tuple(patches), stop)

    @classmethod
    def update(cls, patches: list[Patch] | tuple[Patch, ...], reason: str) -> Decision:
        """State changes only, no visible action."""
        return cls(True, reason, (), tuple(patches))

    @classmethod
    def answer(
        cls,
        event: CommandInvoked,
        text: str,
        reason: str,
        patches: list[Patch] | tuple[Patch, ...] = (),
        *,
        private: bool = True,
    ) -> Decision:
        """A command answered with one reply (see `answer`)."""
        return cls.act([answer(event, text, private=private)], reason, patches)


_SET_FIRED = Decision.fired.__set__  # type: ignore[attr-defined]
_SET_REASON = Decision._reason.__set__  # type: ignore[attr-defined]
_SET_ACTIONS = Decision.actions.__set__  # type: ignore[attr-defined]
_SET_PATCHES = Decision.patches.__set__  # type: ignore[attr-defined]
_SET_STOP = Decision.stop.__set__  # type: ignore[attr-defined]
_SET_SHADOW = Decision.shadow.__set__  # type: ignore[attr-defined]


def answer(event: CommandInvoked, text: str, *, private: bool = True) -> Reply:
    """The reply to a command, for the member who used it (only they see it where the platform
    allows; on Telegram a private answer goes by DM when it can)."""
    return Reply(
        channel_id=event.channel_id,
        reply_to=event.message_id,
        user_id=event.actor.user_id,
        ephemeral=private,
        text=text,
    )


@dataclass(frozen=True, slots=True)
class CommunityView:
    """What every rule may know about the community: settings, texts and local time."""

    settings: CommunitySettings
    texts: Texts
    tz: tzinfo
    # the latest (instant, local time, local day) asked: every rule of an event asks about
    # the same instant, and a zone conversion costs more than the rest of a cheap rule. One
    # tuple, replaced whole, so a reader in another thread never sees half of it
    _latest: list[tuple[datetime, datetime, date]] = field(
        default_factory=lambda: [_NEVER], compare=False, repr=False
    )
    # the instants [start, end) of the latest local day met without an offset change: the
    # day of any instant in it is two comparisons away, no zone conversion
    _span: list[tuple[datetime, datetime, date]] = field(
        default_factory=lambda: [_NEVER], compare=False, repr=False
    )

    def local(self, when: datetime) -> datetime:
        latest = self._latest[0]
        if latest[0] is when:
            return latest[1]
        return self._convert(when)[1]

    def day(self, when: datetime) -> date:
        """The local day of `when`."""
        start, end, day = self._span[0]
        # (the same tzinfo: an aware comparison without offsets, and never a naive one)
        if when.tzinfo is start.tzinfo and start <= when < end:
            return day
        latest = self._latest[0]
        if latest[0] is not when:
            latest = self._convert(when)
        self._remember_span(when, latest[1])
        return latest[2]

    def _remember_span(self, when: datetime, local: datetime) -> None:
        if when.tzinfo is None:
            return
        # the instant the local day began, were the offset the same all day; kept only when
        # the offset is the same at both ends of the day (no change of offset in it)
        start = when - (local - local.replace(hour=0, minute=0, second=0, microsecond=0))
        end = start + _DAY
        tz, offset, day = self.tz, local.utcoffset(), local.date()
        first, last = start.astimezone(tz), (end - _TINY).astimezone(tz)
        if first.utcoffset() == offset == last.utcoffset() and first.date() == day == last.date():
            self._span[0] = (start, end, day)

    def _convert(self, when: datetime) -> tuple[datetime, datetime, date]:
        local = when.astimezone(self.tz)
        latest = self._latest[0] = (when, local, local.date())
        return latest


_DAY = timedelta(days=1)
_TINY = timedelta(microseconds=1)
_NEVER_AT = datetime(1, 1, 1)
_NEVER = (_NEVER_AT, _NEVER_AT, _NEVER_AT.date())


async def _cannot_look_up(user_id: str) -> Actor | None:
    raise LookupError("this platform cannot look members up")


@dataclass(slots=True)
class RuleContext:
    """Given to a rule's loader (never to the rule itself)."""

    store: Store
    community: CommunityRef
    view: CommunityView
    playbook: Any  # the validated Playbook model
    state: CommunityState
    now: datetime
    lookup_member: MemberLookup = _cannot_look_up

    @property
    def memory(self) -> dict[str, Any]:
        """The capabilities' parts of the community state (windows, balances, cooldowns)."""
        return self.state.memory


# A loader returns the rule's snapshot, or a coroutine that gives it: what the community state
# holds is read without a coroutine at all, and only a loader that must wait (for the database,
# the platform) returns one. An `async def` loader is the second kind every time.
Loader = Callable[[Event, Any, RuleContext], Any]
RuleFn = Callable[[Any, Any, Any, datetime], Decision]
# A rule's answer from the event and its config alone, before anything is loaded — the very
# decision `fn` would give (e.g. "not a check-in") — or None: load and decide as usual
Gate = Callable[[Any, Any], "Decision | None"]


def view_only(event: Event, config: Any, ctx: RuleContext) -> CommunityView:
    """The default loader: rules that need no stored state still see the community view."""
    return ctx.view


async def snapshot_of(load: Loader, event: Event, config: Any, ctx: RuleContext) -> Any:
    """What `load` gives, waiting for it when it has to (callers outside the engine)."""
    snapshot = load(event, config, ctx)
    if type(snapshot) is CoroutineType:
        snapshot = await snapshot
    return snapshot


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    on: tuple[type[Event], ...]
    fn: RuleFn
    load: Loader = view_only
    # for CommandInvoked: only these commands; for Tick: only these jobs
    commands: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    # asked first by the engine: the common "nothing for me" of a message without a loader's
    # or the rule's call (tests hold it to what the rule says)
    gate: Gate | None = None

    def concerns(self, event: Event) -> bool:
        """ "Does this concern me?" — decided before any state is loaded."""
        if not isinstance(event, self.on):
            return False
        command = getattr(event, "command", None)
        if self.commands and command not in self.commands:
            return False
        job = getattr(event, "job", None)
        return not (self.jobs and job not in self.jobs)


# A periodic job: given the section config and community timezone, an APScheduler trigger
# (or None when the job is off). Each firing becomes `Tick(job=name)` for that community.
TriggerFactory = Callable[[Any, tzinfo], Any]


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    trigger: TriggerFactory
    # the job reads write-behind data (activity counters, ledger rows, audit rows) from the
    # database: the buffer is flushed before it runs. A job that reads only write-through rows
    # and the community state (which counts unflushed activity) says False and skips it
    reads_buffered: bool = True


# Called by the executor before a moderation action (kick, ban, timeout, ...) decided by a
# capability that does not record cases itself, e.g. the welcome SOP's verification kick.
# Returns actions to run after it (e.g. the case posted to the moderators' log).
CaseHook = Callable[
    ["ApplyContext", "CommunityView", str, str, Action, datetime], Awaitable[list[Action]]
]


@dataclass(frozen=True, slots=True)
class Capability:
    name: str  # the playbook section key
    config: type[ConfigModel]
    rules: tuple[RuleSpec, ...]
    commands: tuple[CommandSpec, ...] = ()
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # lang → key → text
    jobs: tuple[JobSpec, ...] = ()
    priority: int = 100  # lower runs first: anti-spam before points
    description: str = ""
    # True: this capability's decisions open their own moderation cases
    records_cases: bool = False
    # the capability that numbers cases records everybody else's moderation actions with this
    case_hook: CaseHook | None = None
    # loads this capability's part of the community state when a community is first served
    load_state: StateLoader | None = None
    # the members' entries of that part: dropped when a member is evicted from the community
    # state, loaded again when they next act (`bot.state.MemberPart`)
    member_part: MemberPart | None = None
    # the tables where it keeps members' data, and how /forget treats them (`bot.privacy`)
    member_data: tuple[MemberRows, ...] = ()
    # True: on when the playbook leaves its section out (members' data rights)
    enabled_by_default: bool = False


def rule(
    name: str,
    on: type[Event] | tuple[type[Event], ...],
    *,
    load: Loader = view_only,
    commands: tuple[str, ...] = (),
    jobs: tuple[str, ...] = (),
    gate: Gate | None = None,
) -> Callable[[RuleFn], RuleSpec]:
    """Declare a pure rule: `@rule("welcome.greet", on=MemberJoined, load=...)`."""

    def wrap(fn: RuleFn) -> RuleSpec:
        events = on if isinstance(on, tuple) else (on,)
        return RuleSpec(name, events, fn, load, commands, jobs, gate)

    return wrap
