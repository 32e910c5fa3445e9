"""The runtime: one event in, rules evaluated, state written, actions executed.

It owns the per-process pieces (store, engine, executor, playbooks, scratch memory) — nothing is
global, so a test can run several runtimes side by side.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.commands import CommandSpec, OptionSpec
from bot.engine import Engine, RuleOutcome
from bot.events import CommandInvoked, Event, MemberJoined, MemberLeft, MessagePosted, Tick
from bot.executor import ActionOutcome, Executor
from bot.playbook import PlaybookManager
from bot.rule import ApplyContext, Capability, CommunityView, RuleContext, answer
from bot.scheduler import Job
from bot.store import CommunityRef, Store
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
)

Observer = Callable[[CommunityRef, ActionOutcome], Any]
# a command served outside the capabilities (the web dashboard's /dashboard): its decision
CommandHandler = Callable[[CommandInvoked, RuleContext], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Handled:
    community: CommunityRef
    outcomes: list[RuleOutcome]
    actions: list[ActionOutcome]


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


class Runtime:
    def __init__(
        self,
        *,
        store: Store,
        capabilities: Sequence[Capability],
        playbooks: PlaybookRouter,
        executor: Executor,
        flush_every: int = 2000,
    ) -> None:
        self.store = store
        self.capabilities = list(capabilities)
        self.engine = Engine(self.capabilities, CORE_COMMANDS)
        self.playbooks = playbooks
        self.executor = executor
        executor.configure_cases(self.capabilities)
        self.flush_every = flush_every
        self.memory: dict[int, dict[str, Any]] = {}
        self._flushed_at: datetime | None = None
        self.observers: list[Observer] = []
        self._catalogue = merge_catalogues(CORE_TEXTS, *(c.texts for c in self.capabilities))
        self._views: dict[int, tuple[Any, CommunityView]] = {}
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

    async def handle(self, event: Event, *, explain: bool = False) -> Handled:
        """Process one event. With `explain`, evaluate only: nothing is written or executed."""
        ref = await self.store.community(event.platform, event.community_id)
        manager = self.playbooks.for_community(event.platform, event.community_id)
        playbook = manager.current
        view = self.view(playbook)
        now = event.occurred_at
        if not explain:
            await self._record(ref, event, view)
        memory = self.memory.setdefault(ref.id, {})
        ctx = RuleContext(self.store, ref, view, playbook, memory, now)
        if isinstance(event, CommandInvoked) and event.command in ("playbook", "explain"):
            outcomes = await self._core_command(event, ctx, manager)
        elif isinstance(event, CommandInvoked) and event.command in self._handlers:
            denied = self.engine.permission_denied(event, ctx)
            decision = None if denied else await self._handlers[event.command](event, ctx)
            outcomes = [denied or RuleOutcome(f"core.{event.command}", "core", decision)]
        else:
            outcomes = await self.engine.evaluate(event, ctx, explain=explain)
        if explain:
            return Handled(ref, outcomes, [])
        done = await self.executor.run(
            outcomes,
            ApplyContext(self.store, ref, memory),
            view,
            now,
            shadow=view.settings.mode == "shadow",
        )
        for outcome in done:
            for observer in self.observers:
                observer(ref, outcome)
        if self.store.buffer.events >= self.flush_every:
            await self.store.flush()
        return Handled(ref, outcomes, done)

    async def _record(self, ref: CommunityRef, event: Event, view: CommunityView) -> None:
        if type(event) is MessagePosted:
            self.store.record_message(
                ref,
                event.author,
                event.occurred_at,
                view.local(event.occurred_at),
                len(event.text),
                len(_LINK.findall(event.text[:10_000])),
            )
        elif isinstance(event, MemberJoined):
            await self.store.member_joined(ref, event.member, event.occurred_at)
        elif isinstance(event, MemberLeft):
            await self.store.member_left(ref, event.member.user_id, event.occurred_at)

    async def _core_command(
        self, event: CommandInvoked, ctx: RuleContext, manager: PlaybookManager
    ) -> list[RuleOutcome]:
        denied = self.engine.permission_denied(event, ctx)
        if denied:
            return [denied]
        from bot.rule import Decision

        texts = ctx.view.texts
        if event.command == "playbook":
            result = manager.reload()
            text = (
                texts.get("playbook.reloaded", path=str(manager.path))
                if result.ok
                else texts.get("playbook.reload_failed", errors=result.message)
            )
            why = "playbook reloaded" if result.ok else "playbook invalid; old one kept"
        else:
            probe = MessagePosted(
                platform=event.platform,
                community_id=event.community_id,
                occurred_at=event.occurred_at,
                channel_id=event.channel_id,
                message_id=f"explain-{event.message_id or 'x'}",
                author=event.actor.__class__(user_id="explain-probe", name="probe"),
                text=str(event.args.get("text", "")),
            )
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
        """Flush buffered counters before scheduled work, at most once a minute of event time:
        jobs see activity at most ten minutes old (and `Store.member` merges unflushed activity)."""
        if self._flushed_at is None or when - self._flushed_at >= timedelta(minutes=10):
            await self.store.flush()
            self._flushed_at = when

    async def run_due(self, when: datetime) -> None:
        """Deliver due SOP steps: a `Tick(job="due")` to each community that has some."""
        await self._fresh_enough(when)
        for ref in await self.store.communities_with_due_steps(when):
            await self.handle(
                Tick(
                    platform=ref.platform, community_id=ref.external_id, occurred_at=when, job="due"
                )
            )

    async def run_job(self, ref: CommunityRef, job: str, when: datetime) -> None:
        await self._fresh_enough(when)
        await self.handle(
            Tick(platform=ref.platform, community_id=ref.external_id, occurred_at=when, job=job)
        )

    async def jobs(self) -> list[Job]:
        """Every scheduled job: due steps, and each capability's periodic jobs per community."""
        jobs = [Job("core.due", self.run_due, next_due=self.store.next_due_at)]
        for ref in await self.store.communities():
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
                        when: datetime, ref: CommunityRef = ref, name: str = spec.name
                    ) -> None:
                        await self.run_job(ref, name, when)

                    jobs.append(
                        Job(f"{ref.platform}:{ref.external_id}:{spec.name}", run, trigger=trigger)
                    )
        return jobs
