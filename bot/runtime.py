"""The runtime: one event in, rules evaluated, state written, actions executed.

It owns the per-process pieces (store, engine, executor, playbooks, scratch memory) — nothing is
global, so a test can run several runtimes side by side.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bot.actions import AlertModerators, SendDirect
from bot.adapter import PlatformError
from bot.commands import CommandSpec, OptionSpec
from bot.engine import Engine, RuleOutcome, explain_probe, member_standing, standing_of
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    DirectChat,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Tick,
)
from bot.executor import ActionOutcome, DatabaseDown, Executor
from bot.frozen import quick_init
from bot.help import HELP, HELP_TEXTS, command_list, help_text, usable
from bot.playbook import PlaybookManager
from bot.privacy import all_member_rows
from bot.rule import (
    ApplyContext,
    Capability,
    CommunityView,
    JobSpec,
    MemberLookup,
    RuleContext,
    answer,
)
from bot.scheduler import Job
from bot.state import CommunityState, CommunityStates
from bot.store import CommunityRef, Store
from bot.store.db import unreachable
from bot.store.fence import Check, Confirm, job_fence
from bot.store.processed import digest
from bot.texts import CORE_TEXTS, Texts, merge_catalogues

log = logging.getLogger(__name__)

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)

CORE_COMMANDS = (
    CommandSpec(
        "playbook",
        "Reload the playbook from its file (the old one keeps running if the new one is invalid)",
        (OptionSpec("action", "choice", "what to do", choices=("reload",)),),
        permission="admin",
    ),
    CommandSpec(
        "explain",
        "Show which rules would act on a message, and why (nothing is executed)",
        (OptionSpec("text", "text", "the message to try"),),
        permission="moderator",
    ),
    HELP,
)

Observer = Callable[[CommunityRef, ActionOutcome], Any]
Owned = Callable[[CommunityRef], bool]  # does this process run the community's scheduled work?
# a command served outside the capabilities (the web dashboard's /dashboard): its decision
CommandHandler = Callable[[CommandInvoked, RuleContext], Awaitable[Any]]


@quick_init  # made for every event
@dataclass(frozen=True, slots=True)
class Handled:
    community: CommunityRef
    outcomes: list[RuleOutcome]
    actions: list[ActionOutcome]
    # True: the event's key was handled before (a redelivery): nothing was done
    redelivered: bool = False


@dataclass
class PlaybookRouter:
    """Which playbook serves which community: one default, optional per-community ones."""

    default: PlaybookManager
    overrides: dict[tuple[str, str], PlaybookManager] = field(default_factory=dict)

    def for_community(self, platform: str, external_id: str) -> PlaybookManager:
        return self.overrides.get((platform, external_id), self.default)

    def managers(self) -> list[PlaybookManager]:
        seen: dict[Path, PlaybookManager] = {self.default.path: self.default}
        for manager in self.overrides.values():
            seen.setdefault(manager.path, manager)
        return list(seen.values())


def _people(event: Event) -> tuple[str, ...]:
    """Whom an event is by or about (its author, actor, member or reacting user)."""
    for name in ("author", "actor", "member", "user"):
        who = getattr(event, name, None)
        if isinstance(who, Actor):
            return (who.user_id,)
    return ()


class Runtime:
    def __init__(
        self,
        *,
        store: Store,
        capabilities: Sequence[Capability],
        playbooks: PlaybookRouter,
        executor: Executor,
        flush_every: int = 2000,
        max_members: int = 100_000,
    ) -> None:
        self.store = store
        self.capabilities = list(capabilities)
        self.engine = Engine(self.capabilities, CORE_COMMANDS)
        self.playbooks = playbooks
        self.executor = executor
        executor.configure_cases(self.capabilities)
        self.flush_every = flush_every
        self.states = CommunityStates(store, self.capabilities, max_members=max_members)
        store.member_rows = all_member_rows(self.capabilities)
        executor.states = self.states
        executor.on_outage = self._outage
        executor.on_later = self._observe
        # a database that went away: since when (None: reachable), when to try again, and the
        # write-through calls of the runtime itself that wait for it (joins, leaves, standing)
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._backoff = 0.5
        self.max_backoff = 30.0
        self._later: list[Callable[[], Awaitable[Any]]] = []
        self._told = False  # the moderators heard of the current outage
        self._flushed_at: datetime | None = None
        self.observers: list[Observer] = []
        self._catalogue = merge_catalogues(
            CORE_TEXTS, HELP_TEXTS, *(c.texts for c in self.capabilities)
        )
        # which section a command belongs to: /help lists only those of enabled sections
        self._owners = {s.name: c.name for c in self.capabilities for s in c.commands}
        self._views: dict[int, tuple[Any, CommunityView]] = {}
        self._refs: dict[tuple[str, str], CommunityRef] = {}  # (platform, community) → ref
        self._handlers: dict[str, CommandHandler] = {}

    def add_command(self, spec: CommandSpec, handler: CommandHandler) -> None:
        """Serve a command outside the capabilities (e.g. /dashboard by the web dashboard).
        Add it before the adapters start, so they register it with the platform."""
        if spec.name in self.engine.commands:
            raise ValueError(f"command /{spec.name} is declared twice")
        self.engine.commands[spec.name] = spec
        self._handlers[spec.name] = handler

    @property
    def commands(self) -> list[CommandSpec]:
        return list(self.engine.commands.values())

    def view(self, playbook: Any) -> CommunityView:
        cached = self._views.get(id(playbook))
        if cached and cached[0] is playbook:
            return cached[1]
        settings = playbook.community
        texts = Texts(settings.language, self._catalogue, dict(playbook.messages))
        view = CommunityView(settings, texts, settings.tz)
        self._views[id(playbook)] = (playbook, view)
        return view

    async def handle(
        self, event: Event, *, explain: bool = False, fence: Check | None = None
    ) -> Handled | None:
        """Process one event. With `explain`, evaluate only: nothing is written or executed.
        `fence`: a scheduled job's lease check (its claims commit and it acts only under it)."""
        if self.down_since is not None:
            await self.recover()
        if isinstance(event, DirectChat):
            await self._direct_chat(event)
            return None
        ref = self._refs.get((event.platform, event.community_id)) or await self._ref(event)
        manager = self.playbooks.for_community(event.platform, event.community_id)
        playbook = manager.current
        view = self.view(playbook)
        now = event.occurred_at
        state = self.states.held(ref) or await self.states.get(ref)
        key = None if explain or event.key is None else digest(event.key)
        if key is not None and await self.store.processed.seen(self.store, ref, key, now):
            log.info("%s %s in %s was handled before: ignored", event.kind, key, ref.external_id)
            return Handled(ref, [], [], redelivered=True)
        if not state.complete:  # members were evicted: the event's own people come back
            await state.hold(_people(event))
        writes = self.store.sessions.writes
        count = None if explain else await self._record(ref, state, event, view)
        ctx = RuleContext(
            self.store, ref, view, playbook, state, now, self._lookup(ref, state, view)
        )
        if isinstance(event, CommandInvoked) and event.command in ("playbook", "explain", "help"):
            outcomes = await self._core_command(event, ctx, manager)
        elif isinstance(event, CommandInvoked) and event.command in self._handlers:
            denied = self.engine.refused(event, ctx)
            decision = None if denied else await self._handlers[event.command](event, ctx)
            outcomes = [denied or RuleOutcome(f"core.{event.command}", "core", decision)]
        else:
            outcomes = await self.engine.evaluate(event, ctx, explain=explain)
        if explain:
            return Handled(ref, outcomes, [])
        try:
            done = await self.executor.run(
                outcomes,
                ApplyContext(self.store, ref, state, key, fence=fence),
                view,
                now,
                shadow=view.settings.mode == "shadow",
            )
        finally:
            # the event's counters and its key enter the buffer together, after everything
            # else it did (a flush in the middle of the event holds neither): whichever flush
            # writes one writes the other, in one transaction
            if count is not None:
                count()
            if key is not None:
                self.store.processed.note(ref, key, now)
        if key is not None and (done or self.store.sessions.writes != writes):
            # an event that wrote through or acted has that flush now: a crash never keeps its
            # case or post but loses its counters, and a redelivery finds its key (while the
            # database is away everything waits together, in order)
            await self.flush(view, ref)
        if done:
            self._observe(ref, done)
        due = self.store.buffer.events >= self.flush_every and self.down_since is None
        if due and await self.flush(view, ref) and not self._later:
            await self.states.evict_cold(keep=ref.id)
        return Handled(ref, outcomes, done)

    def _observe(self, ref: Any, done: Sequence[ActionOutcome]) -> None:
        for outcome in done:
            for observer in self.observers:
                observer(ref, outcome)

    async def drain(self) -> None:
        """Wait for the actions still running in the background (a report's charts being
        drawn and posted): before the adapters stop, and at the end of a replay."""
        await self.executor.drain()

    async def close(self) -> None:
        """`drain`, then close the store (which flushes the write-behind buffer)."""
        try:
            await self.drain()
        finally:
            await self.store.close()

    # -- a database that goes away ---------------------------------------------------------------

    async def flush(
        self, view: CommunityView | None = None, ref: CommunityRef | None = None
    ) -> bool:
        """Flush the write-behind buffer; when the database is away the batch stays buffered
        (the store merges it back) and the outage is noted. True when it was written."""
        if self.down_since is not None:
            return await self.recover()
        try:
            await self.store.flush()
        except Exception as exc:
            if not unreachable(exc):
                raise
            await self._outage(ref, view, exc)
            return False
        return True

    async def _outage(self, ref: Any, view: CommunityView | None, exc: BaseException) -> None:
        """The database went away: said once in the log and to the moderators of the community
        that met it; writes wait (decisions in the executor, counters in the buffer) and are
        retried with backoff."""
        community = getattr(ref, "community", ref)  # an ApplyContext or a CommunityRef
        if self.down_since is not None:
            if not self._told and community is not None and view is not None:
                await self._tell(community, view)
            return
        self.down_since = time.monotonic()
        self._backoff = 0.5
        self._retry_at = self.down_since + self._backoff
        self._told = False
        log.warning(
            "database unreachable (%s: %s): serving from memory, writes wait and are retried",
            type(exc).__name__,
            str(exc).splitlines()[0][:200] if str(exc) else "",
        )
        if community is not None and view is not None:
            await self._tell(community, view)

    async def _tell(self, community: CommunityRef, view: CommunityView) -> None:
        """The moderators hear of an outage once (of the first community that meets it with a
        playbook at hand: a background flush has none)."""
        self._told = True
        adapter = self.executor.adapters.get(community.platform)
        if adapter is None:
            return
        alert = self.executor._route(AlertModerators(text=view.texts.get("store.down")), view)
        try:
            await adapter.execute(community.external_id, alert)
        except Exception:
            log.exception("could not tell the moderators that the database is away")

    async def recover(self, *, force: bool = False) -> bool:
        """While the database is away: at most once per backoff interval (0.5 s doubling to
        `max_backoff`), write what waited — the runtime's own writes, the executor's decisions
        in order, the buffered counters. True when everything is written."""
        if self.down_since is None:
            return True
        now = time.monotonic()
        if now < self._retry_at and not force:
            return False
        try:
            while self._later:
                await self._later[0]()
                self._later.pop(0)
            await self.executor.retry()
            await self.store.flush()
        except Exception as exc:
            if not (isinstance(exc, DatabaseDown) or unreachable(exc)):
                raise
            self._backoff = min(self._backoff * 2, self.max_backoff)
            self._retry_at = time.monotonic() + self._backoff
            return False
        log.warning(
            "database reachable again after %.1f s: every waiting write is done",
            time.monotonic() - self.down_since,
        )
        self.down_since = None
        return True

    async def _write_through(
        self, view: CommunityView, ref: CommunityRef, write: Callable[[], Awaitable[Any]]
    ) -> None:
        """A durable write of the runtime itself (a join, a leave, a standing): now, or after
        what already waits when the database is away."""
        if self.down_since is not None:
            self._later.append(write)
            return
        try:
            await write()
        except Exception as exc:
            if not unreachable(exc):
                raise
            self._later.append(write)
            await self._outage(ref, view, exc)

    async def decide(self, event: Event) -> list[RuleOutcome]:
        """What the rules decide about `event`, the community state kept current in memory only:
        no store write, no patch applied, no action run (the benchmark's rules mode)."""
        ref = self._refs.get((event.platform, event.community_id)) or await self._ref(event)
        playbook = self.playbooks.for_community(event.platform, event.community_id).current
        view = self.view(playbook)
        state = self.states.held(ref) or await self.states.get(ref)
        if not state.complete:
            await state.hold(_people(event))
        if type(event) is MessagePosted:
            state.note_message(event.author, event.occurred_at)
        elif isinstance(event, MemberJoined):
            state.note_join(event.member, event.occurred_at)
        elif isinstance(event, MemberLeft):
            state.note_leave(event.member.user_id, event.occurred_at)
        lookup = self._lookup(ref, state, view)
        ctx = RuleContext(self.store, ref, view, playbook, state, event.occurred_at, lookup)
        return await self.engine.evaluate(event, ctx)

    async def _ref(self, event: Event) -> CommunityRef:
        """The event's community (made in the store at its first event), kept: every later
        event finds it without a coroutine."""
        ref = await self.store.community(event.platform, event.community_id)
        self._refs[(event.platform, event.community_id)] = ref
        return ref

    async def _record(
        self, ref: CommunityRef, state: CommunityState, event: Event, view: CommunityView
    ) -> Callable[[], None] | None:
        """Note the event in the community state (rules read it) and write through what must
        survive; returns the buffering of its counters, which `handle` runs at the end."""
        if type(event) is MessagePosted:
            author = event.author
            state.note_message(author, event.occurred_at)
            text = event.text
            # (no coroutine for the common message, whose author's standing did not change)
            changed = self._standing_write(ref, state, author, view)
            if changed is not None:
                await changed
            links = len(_LINK.findall(text[:10_000])) if "http" in text or "www." in text else 0
            return partial(
                self.store.record_message,
                ref,
                author,
                event.occurred_at,
                view.local(event.occurred_at),
                len(text),
                links,
            )
        elif isinstance(event, MemberJoined):
            member, at = event.member, event.occurred_at
            await self._write_through(view, ref, lambda: self.store.member_joined(ref, member, at))
            state.note_join(event.member, event.occurred_at)
            await self._note_standing(ref, state, event.member, view)
        elif isinstance(event, MemberLeft):
            user, at = event.member.user_id, event.occurred_at
            await self._write_through(view, ref, lambda: self.store.member_left(ref, user, at))
            state.note_leave(event.member.user_id, event.occurred_at)
        elif isinstance(event, CommandInvoked):
            await self._note_standing(ref, state, event.actor, view)
        return None

    async def _note_standing(
        self, ref: CommunityRef, state: CommunityState, actor: Actor, view: CommunityView
    ) -> None:
        """Who is staff is a durable fact: written through when it changes, so a moderator is
        still protected after a restart. Plain members cost nothing (no standing = member)."""
        changed = self._standing_write(ref, state, actor, view)
        if changed is not None:
            await changed

    def _standing_write(
        self, ref: CommunityRef, state: CommunityState, actor: Actor, view: CommunityView
    ) -> Awaitable[None] | None:
        """`_note_standing` up to its write: None when the standing did not change, else the
        change noted in the state and its write-through to await."""
        standing = standing_of(actor, view.settings)
        known = state.members.get(actor.user_id)
        before = known.standing if known else None
        if before == standing or (before is None and standing == "member"):
            return None
        state.note_standing(actor, standing)
        return self._write_through(view, ref, lambda: self.store.set_standing(ref, actor, standing))

    def _lookup(
        self, ref: CommunityRef, state: CommunityState, view: CommunityView
    ) -> MemberLookup:
        """Ask the platform about a member the bot has never seen (and remember the answer)."""

        async def lookup(user_id: str) -> Actor | None:
            adapter = self.executor.adapters.get(ref.platform)
            fetch = getattr(adapter, "lookup_member", None)
            if fetch is None:
                raise LookupError(f"the {ref.platform} adapter cannot look members up")
            actor = await fetch(ref.external_id, user_id)
            if actor is not None:
                await self._note_standing(ref, state, actor, view)
            return actor

        return lookup

    async def _direct_chat(self, event: DirectChat) -> None:
        """A member opened (or blocked) a private chat with the bot: durable, for every
        community they are in. A `/start` is answered with a short help in the language of
        the community they came from (the default playbook's without a link)."""
        await self.executor.note_reachable(
            event.platform, event.user, event.reachable, event.why, event.occurred_at
        )
        adapter = self.executor.adapters.get(event.platform)
        if not (event.greet and event.reachable) or adapter is None:
            return
        playbook = self.playbooks.for_community(event.platform, event.community_id).current
        view = self.view(playbook)
        texts = view.texts
        specs = usable(self.commands, self._owners, playbook, "member")
        text = "\n\n".join(
            [
                texts.get("dm.start", member=event.name, community=view.settings.name),
                texts.get("help.start_commands") + "\n" + command_list(specs, texts),
            ]
        )
        try:
            await adapter.execute(event.community_id, SendDirect(user_id=event.user, text=text))
        except PlatformError as exc:
            log.info("could not answer /start of %s: %s", event.user, exc)
        if not (event.button and event.actor and event.community_id):
            return
        # a link names its community: trusted only for one the bot already serves (anyone can
        # type a payload)
        if await self.store.existing_community(event.platform, event.community_id) is None:
            log.info("a start link for unknown community %s ignored", event.community_id)
            return
        await self.handle(
            ButtonPressed(
                platform=event.platform,
                community_id=event.community_id,
                occurred_at=event.occurred_at,
                channel_id=event.user,
                message_id="",
                actor=event.actor,
                custom_id=event.button,
            )
        )

    async def _core_command(
        self, event: CommandInvoked, ctx: RuleContext, manager: PlaybookManager
    ) -> list[RuleOutcome]:
        denied = self.engine.permission_denied(event, ctx)
        if denied:
            return [denied]
        from bot.rule import Decision

        texts = ctx.view.texts
        if event.command == "help":
            standing = member_standing(event.actor, ctx.view.settings)
            specs = usable(self.commands, self._owners, ctx.playbook, standing)
            text = help_text(specs, texts, str(event.args.get("topic") or ""))
            why = f"help for a {standing}"
        elif event.command == "playbook":
            result = await manager.reload_async()  # off the event loop, time-bounded
            text = (
                texts.get("playbook.reloaded", path=str(manager.path))
                if result.ok
                else texts.get("playbook.reload_failed", errors=result.message)
            )
            why = "playbook reloaded" if result.ok else "playbook invalid; old one kept"
        else:
            probe = explain_probe(event)
            outcomes = await self.engine.evaluate(probe, ctx, explain=True)
            lines = [f"{'✅' if o.fired else '·'} {o.rule}: {o.reason}" for o in outcomes] or [
                "no rule looks at messages"
            ]
            text = "\n".join(lines)
            why = f"explained {len(outcomes)} rules"
        decision = Decision.act([answer(event, text)], why)
        return [RuleOutcome(f"core.{event.command}", "core", decision)]

    # -- scheduled work ------------------------------------------------------------------------

    async def _fresh_enough(self, when: datetime) -> None:
        """Flush buffered counters before periodic jobs (reports read stored activity), at most
        once per ten minutes of event time."""
        if self._flushed_at is None or when - self._flushed_at >= timedelta(minutes=10):
            await self.flush()
            self._flushed_at = when

    async def run_due(
        self,
        when: datetime,
        owned: Owned | None = None,
        *,
        poll: bool = False,
        confirm: Confirm | None = None,
    ) -> None:
        """Deliver due SOP steps: a `Tick(job="due")` to each community that has some (and that
        this process owns, asked right before each community's work). Due steps read the
        community state, which already counts unflushed activity: no flush needed first.
        Which steps are due comes from the store's in-memory index; with `poll` (a real
        scheduler, every few seconds) its due part is first checked against the database,
        which other processes write too. `confirm`: see `jobs`."""
        if poll:
            await self.store.refresh_due_steps(when)
        for ref in await self.store.communities_with_due_steps(when):
            if owned is not None and not owned(ref):
                continue
            await self._tick(ref, "due", when, confirm)

    async def run_job(
        self,
        ref: CommunityRef,
        job: str,
        when: datetime,
        confirm: Confirm | None = None,
        *,
        reads_buffered: bool = True,
    ) -> None:
        """A periodic job's tick; `reads_buffered` (its `JobSpec`'s): flush the write-behind
        buffer first (a job that reads only write-through rows has no flush to wait for)."""
        if reads_buffered:
            await self._fresh_enough(when)
        await self._tick(ref, job, when, confirm)

    async def _tick(
        self, ref: CommunityRef, job: str, when: datetime, confirm: Confirm | None
    ) -> None:
        tick = Tick(platform=ref.platform, community_id=ref.external_id, occurred_at=when, job=job)
        label = f"{ref.platform}:{ref.external_id}"
        fence = None if confirm is None else job_fence(confirm, ref.id, label, job)
        await self.handle(tick, fence=fence)

    async def jobs(
        self, owned: Owned | None = None, *, poll: bool = False, confirm: Confirm | None = None
    ) -> list[Job]:
        """Every scheduled job: due steps, and each capability's periodic jobs per community —
        with `owned`, only of the communities it accepts, asked again before each run (a lease
        lost since the job was installed stops it before it acts). `poll`: the due-step job
        runs every few seconds on a real clock and checks the database each time (see
        `run_due`). `confirm` (the leases' live check): each job's claims commit, and it acts,
        only while the lease is still ours — one lost in the middle leaves the work to the new
        owner (`bot/store/fence.py`)."""

        async def due(when: datetime) -> None:
            await self.run_due(when, owned, poll=poll, confirm=confirm)

        jobs = [Job("core.due", due, next_due=self.store.next_due)]
        for ref in await self.store.communities():
            if owned is not None and not owned(ref):
                continue
            playbook = self.playbooks.for_community(ref.platform, ref.external_id).current
            tz = playbook.community.tz
            for cap in self.capabilities:
                config = getattr(playbook, cap.name, None)
                if config is None or not config.enabled:
                    continue
                for spec in cap.jobs:
                    trigger = spec.trigger(config, tz)
                    if trigger is None:
                        continue

                    async def run(
                        when: datetime, ref: CommunityRef = ref, spec: JobSpec = spec
                    ) -> None:
                        if owned is None or owned(ref):
                            await self.run_job(
                                ref, spec.name, when, confirm, reads_buffered=spec.reads_buffered
                            )

                    jobs.append(
                        Job(f"{ref.platform}:{ref.external_id}:{spec.name}", run, trigger=trigger)
                    )
        return jobs
