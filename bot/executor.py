"""The executor: applies each decision's state changes, then runs its actions through the
adapter one after another (each awaited), and records every action in the audit log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.actions import Action, AlertModerators, Button, Post, SendDirect
from bot.adapter import ActionResult, Adapter, PlatformError
from bot.engine import RuleOutcome
from bot.rule import (
    AlreadyDone,
    ApplyContext,
    Capability,
    CaseHook,
    CommunityView,
    Decision,
    Patch,
)
from bot.store.db import unreachable
from bot.store.fence import Gate, LeaseLost, fenced

if TYPE_CHECKING:
    from bot.state import CommunityStates

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    at: datetime
    rule: str
    reason: str
    action: Action
    # executed | skipped (the platform cannot) | failed | shadow (decided, deliberately not run)
    status: str
    detail: str = ""
    ref: str | None = None


@dataclass(slots=True)
class Waiting:
    """A decision whose writes met a database that went away: its patches from `patch` on,
    then its actions, run once the database is back (write before act, as always)."""

    outcome: RuleOutcome
    apply_ctx: ApplyContext
    view: CommunityView
    now: datetime
    patch: int


class DatabaseDown(Exception):
    """Raised by `Executor.retry` while the database is still unreachable."""


@dataclass
class Executor:
    adapters: dict[str, Adapter]
    sleep: Sleep = asyncio.sleep
    max_attempts: int = 4
    max_wait: float = 30.0
    # record moderation actions of capabilities that do not open cases themselves
    case_hooks: tuple[CaseHook, ...] = ()
    self_recording: frozenset[str] = frozenset()
    # the runtime's community states, kept current with what DMs teach (reachability)
    states: CommunityStates | None = None
    # decisions and audit rows waiting for the database to come back, oldest first
    waiting: list[Waiting] = field(default_factory=list)
    waiting_audit: list[tuple[ApplyContext, list[dict[str, Any]]]] = field(default_factory=list)
    # called once per outage, with the community that met it (the runtime logs and alerts)
    on_outage: Callable[[ApplyContext, CommunityView, BaseException], Awaitable[None]] | None = None
    # (community id, action kind) pairs whose missing permission was already reported
    _reported: set[tuple[int, str]] = field(default_factory=set)
    # actions run later, in tasks of their own, once what a patch started for them is ready (a
    # report's charts being drawn): the job that decided them does not wait; `drain` awaits
    later: set[asyncio.Task[None]] = field(default_factory=set)
    # told what those later actions did, with their community (the runtime's observers)
    on_later: Callable[[Any, list[ActionOutcome]], None] | None = None

    def configure_cases(self, capabilities: Sequence[Capability]) -> None:
        self.case_hooks = tuple(c.case_hook for c in capabilities if c.case_hook)
        self.self_recording = frozenset(c.name for c in capabilities if c.records_cases) | {"core"}

    async def run(
        self,
        outcomes: Sequence[RuleOutcome],
        apply_ctx: ApplyContext,
        view: CommunityView,
        now: datetime,
        *,
        shadow: bool = False,
    ) -> list[ActionOutcome]:
        done: list[ActionOutcome] = []
        # most decisions only change state (a message counted, chat points paid): outside a
        # job, a shadow run and an outage, their patches are applied right here — no actions,
        # so no cases, no DMs to learn from and nothing to settle but what a patch settles
        plain = not shadow and apply_ctx.fence is None
        try:
            for outcome in outcomes:
                if not outcome.fired:  # the common case: nothing to do
                    continue
                decision = outcome.decision
                assert decision is not None  # (fired: it was asked)
                if plain and not decision.actions and not decision.shadow and not self.waiting:
                    await self._apply_only(outcome, apply_ctx, view, now)
                    continue
                done += await self._run_decision(outcome, apply_ctx, view, now, shadow)
        finally:
            # whatever went wrong later, the actions already sent are in the audit log
            if done:
                rows = [_audit_row(o) for o in done]
                if apply_ctx.forgotten:  # a member forgotten just now: rows name only the key
                    rows = [_anonymised(r, apply_ctx.forgotten) for r in rows]
                self._audit(apply_ctx, rows)
        return done

    def _audit(self, apply_ctx: ApplyContext, rows: list[dict[str, Any]]) -> None:
        """Into the store's write-behind audit buffer (written with the counters), or behind
        the decisions that wait for the database, to keep the log in order."""
        if self.waiting or self.waiting_audit:
            self.waiting_audit.append((apply_ctx, rows))
            return
        apply_ctx.store.log_audit(apply_ctx.community, rows)

    @property
    def held(self) -> int:
        """Decisions waiting for the database."""
        return len(self.waiting)

    async def retry(self) -> list[ActionOutcome]:
        """Run what waited for the database, in order. Raises DatabaseDown (keeping the rest
        queued) when it is still away."""
        done: list[ActionOutcome] = []
        while self.waiting:
            w = self.waiting.pop(0)
            before = len(self.waiting)
            mine = await self._run_decision(
                w.outcome, w.apply_ctx, w.view, w.now, False, w.patch, retrying=True
            )
            if len(self.waiting) > before:  # it met the outage again: back to the front
                self.waiting.insert(0, self.waiting.pop())
                raise DatabaseDown("the database is still unreachable")
            rows = [_audit_row(o) for o in mine]
            if rows:
                self.waiting_audit.append((w.apply_ctx, rows))
            done += mine
        # the rows that waited go to the write-behind buffer, in order; the runtime's
        # recovery flushes it next
        while self.waiting_audit:
            apply_ctx, rows = self.waiting_audit.pop(0)
            apply_ctx.store.log_audit(apply_ctx.community, rows)
        return done

    async def _apply_only(
        self, outcome: RuleOutcome, apply_ctx: ApplyContext, view: CommunityView, now: datetime
    ) -> None:
        """`_run_decision` for a decision without actions (and without a fence)."""
        patches = outcome.decision.patches  # type: ignore[union-attr]
        index = 0
        try:
            for patch in patches:
                await patch.apply(apply_ctx)
                index += 1
        except AlreadyDone as exc:
            log.info("%s: already done (%s); its actions are dropped", outcome.rule, exc)
            return
        except Exception as exc:
            if not unreachable(exc):
                raise
            await self._hold(outcome, apply_ctx, view, now, index, exc)
            return
        for patch in patches:
            if type(patch).settle is not _NO_SETTLE:
                try:
                    await patch.settle(apply_ctx, ())
                except Exception:
                    log.exception("%s: could not settle %s", outcome.rule, type(patch).__name__)

    async def _hold(
        self,
        outcome: RuleOutcome,
        apply_ctx: ApplyContext,
        view: CommunityView,
        now: datetime,
        index: int,
        exc: BaseException,
    ) -> None:
        """The database went away under a decision's writes: nothing is lost, the patches from
        `index` on, then the actions, run later."""
        self.waiting.append(Waiting(outcome, apply_ctx, view, now, index))
        if self.on_outage is not None:
            await self.on_outage(apply_ctx, view, exc)

    async def _run_decision(
        self,
        outcome: RuleOutcome,
        apply_ctx: ApplyContext,
        view: CommunityView,
        now: datetime,
        shadow: bool,
        first_patch: int = 0,
        *,
        retrying: bool = False,
    ) -> list[ActionOutcome]:
        decision = outcome.decision
        if decision is None or not decision.fired:
            return []
        adapter = self.adapters.get(apply_ctx.community.platform)
        quiet = shadow or decision.shadow
        if not quiet:
            if self.waiting and not retrying:
                # the database is away: this decision waits behind the others, in order
                self.waiting.append(Waiting(outcome, apply_ctx, view, now, 0))
                return []
            index = first_patch
            patches = decision.patches
            # a scheduled job: its claims commit, and it acts, only while it owns the community
            gate = None if apply_ctx.fence is None else Gate(apply_ctx.fence)
            fence_at = -1 if gate is None else _fence_point(patches)
            try:
                for index in range(first_patch, len(patches)):
                    patch = patches[index]
                    if gate is not None and index == fence_at:
                        await gate.confirm()
                    if gate is not None and index < fence_at and patch.claims:
                        with fenced(gate):
                            await patch.apply(apply_ctx)
                    else:
                        await patch.apply(apply_ctx)
                if gate is not None and first_patch <= fence_at == len(patches):
                    await gate.confirm()
            except AlreadyDone as exc:
                log.info("%s: already done (%s); its actions are dropped", outcome.rule, exc)
                return []
            except LeaseLost:  # said once per job run by the fence; the new owner does it
                log.info("%s: its claim rolled back and its actions dropped", outcome.rule)
                return []
            except Exception as exc:
                if not unreachable(exc):
                    raise
                await self._hold(outcome, apply_ctx, view, now, index, exc)
                return []
        mine: list[ActionOutcome] = []
        actions = list(decision.actions)
        if not quiet:
            actions = self._defer(outcome, apply_ctx, view, now, actions)
        if not quiet and outcome.capability not in self.self_recording:
            actions = await self._with_cases(actions, apply_ctx, view, outcome, now)
        for action in actions:
            if quiet:
                mine.append(
                    ActionOutcome(
                        now,
                        outcome.rule,
                        decision.reason,
                        self._route(action, view),
                        "shadow",
                        "shadow mode: decided, not executed",
                    )
                )
                continue
            try:
                for patch in decision.patches:
                    # a patch may rewrite a report after what was refused (e.g. a case)
                    amend = getattr(patch, "amend", None)
                    if amend is not None:
                        action = amend(action, mine)
                action = self._route(action, view)
                mine.append(await self._execute(adapter, apply_ctx, view, outcome, action, now))
                fallback = await _dm_fallback(mine[-1], apply_ctx, view)
                if fallback is not None:
                    action = fallback
                    mine.append(await self._execute(adapter, apply_ctx, view, outcome, action, now))
            except Exception as exc:  # one action's trouble is recorded; the rest still run
                log.exception("%s: %s failed", outcome.rule, action.kind)
                mine.append(_crashed(now, outcome, decision.reason, action, exc))
        if quiet:
            return mine
        try:
            await self._learn_reachability(apply_ctx, mine)
        except Exception:
            log.exception("could not note what the DMs taught")
        # patches that wait for the outcome (e.g. "sent" only if it was), and the case hooks
        # that recorded cases for another capability's actions
        settlers = list(decision.patches)
        if outcome.capability not in self.self_recording:
            settlers += list(self.case_hooks)
        for patch in settlers:
            settle = getattr(patch, "settle", None)
            if settle is None:
                continue
            try:
                await settle(apply_ctx, mine)
            except Exception:
                log.exception("%s: could not settle %s", outcome.rule, type(patch).__name__)
        return mine

    def _defer(
        self,
        outcome: RuleOutcome,
        apply_ctx: ApplyContext,
        view: CommunityView,
        now: datetime,
        actions: list[Action],
    ) -> list[Action]:
        """The actions to run now: those from the first one a patch is still preparing (its
        `pending(action)` gives what to wait for) run later, in order, in a task."""
        patches = outcome.decision.patches if outcome.decision is not None else ()
        waiting = [p for p in patches if hasattr(p, "pending")]
        if not waiting:
            return actions
        ready = [next(filter(None, (p.pending(a) for p in waiting)), None) for a in actions]
        first = next((i for i, w in enumerate(ready) if w is not None), len(actions))
        if first == len(actions):
            return actions
        rest = RuleOutcome(
            outcome.rule, outcome.capability, Decision.act(actions[first:], outcome.reason)
        )
        waits = list(dict.fromkeys(w for w in ready[first:] if w is not None))
        task = asyncio.create_task(self._later(waits, rest, apply_ctx, view, now))
        self.later.add(task)
        task.add_done_callback(self.later.discard)
        return actions[:first]

    async def _later(
        self,
        waits: list[Awaitable[Any]],
        outcome: RuleOutcome,
        apply_ctx: ApplyContext,
        view: CommunityView,
        now: datetime,
    ) -> None:
        try:
            for wait in waits:
                await wait
            done = await self.run([outcome], apply_ctx, view, now)
            if self.on_later is not None:
                self.on_later(apply_ctx.community, done)
        except Exception:
            log.exception("%s: its later actions failed", outcome.rule)

    async def drain(self) -> None:
        """Wait for the later actions (and those they start)."""
        while self.later:
            await asyncio.gather(*self.later)

    async def _with_cases(
        self,
        actions: list[Action],
        apply_ctx: ApplyContext,
        view: CommunityView,
        outcome: RuleOutcome,
        now: datetime,
    ) -> list[Action]:
        """Open a case for each moderation action before it runs (write before act)."""
        out: list[Action] = []
        for action in actions:
            out.append(action)
            if not action.is_moderation:
                continue
            for hook in self.case_hooks:
                try:
                    out += await hook(apply_ctx, view, outcome.rule, outcome.reason, action, now)
                except Exception:  # a failed record must not stop the action itself
                    log.exception("could not record a case for %s", action.kind)
        return out

    async def _learn_reachability(
        self, apply_ctx: ApplyContext, outcomes: Sequence[ActionOutcome]
    ) -> None:
        """A DM that went through proves the member reachable; a refused one proves the
        opposite. A delivery is written when the state believed otherwise, a refusal always."""
        for o in outcomes:
            if not isinstance(o.action, SendDirect):
                continue
            reachable = o.status == "executed"
            if not reachable and not _unreachable(o):
                continue  # a network error says nothing about the member
            member = apply_ctx.state.known(o.action.user_id)
            # a refusal is always written: a newcomer's "cannot DM" may be only an assumption
            if reachable and member is not None and member.can_dm:
                continue
            why = "a private message was delivered" if reachable else o.detail
            await self.note_reachable(
                apply_ctx.community.platform, o.action.user_id, reachable, why, o.at
            )

    async def note_reachable(
        self,
        platform: str,
        user_id: str,
        reachable: bool,
        why: str,
        at: datetime | None = None,
    ) -> None:
        if self.states is None:
            return
        from datetime import UTC

        await self.states.store.set_dm_reachable(
            platform, user_id, reachable, why, at or datetime.now(UTC)
        )
        for state in self.states.all():
            if state.ref.platform == platform:
                state.note_reachable(user_id, reachable)

    @staticmethod
    def _route(action: Action, view: CommunityView) -> Action:
        """Moderator alerts go to the moderators' log channel when the playbook names one."""
        channel = view.settings.mod_log_channel
        if isinstance(action, AlertModerators) and channel:
            return Post(
                channel_id=channel,
                text=action.text,
                image=action.image,
                public_text=action.public_text,
            )
        return action

    async def _execute(
        self,
        adapter: Adapter | None,
        apply_ctx: ApplyContext,
        view: CommunityView,
        outcome: RuleOutcome,
        action: Action,
        now: datetime,
    ) -> ActionOutcome:
        reason = outcome.decision.reason if outcome.decision else ""

        def result(status: str, detail: str = "", ref: str | None = None) -> ActionOutcome:
            return ActionOutcome(now, outcome.rule, reason, action, status, detail, ref)

        if adapter is None:
            return result("skipped", f"no adapter for platform {apply_ctx.community.platform!r}")
        if action.kind not in adapter.capabilities:
            return result("skipped", adapter.why_unsupported(action.kind))
        community_id = apply_ctx.community.external_id
        for attempt in range(1, self.max_attempts + 1):
            try:
                done: ActionResult = await adapter.execute(community_id, action)
                return result("executed" if done.ok else "failed", done.detail, done.ref)
            except PlatformError as exc:
                if exc.retryable and attempt < self.max_attempts:
                    wait = exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt
                    await self.sleep(min(wait, self.max_wait))
                    continue
                # a refused DM is the member's choice (never started the bot, closed DMs), not a
                # missing permission: skipped and logged, never reported in the group
                if exc.kind == PlatformError.UNREACHABLE or (
                    isinstance(action, SendDirect) and exc.kind == PlatformError.FORBIDDEN
                ):
                    log.info("%s to %s skipped: %s", action.kind, action.target_user, exc)
                    status = "skipped" if isinstance(action, SendDirect) else "failed"
                    return result(status, f"{PlatformError.UNREACHABLE}: {exc}")
                log.warning("%s failed in %s: %s", action.kind, community_id, exc)
                if exc.kind == PlatformError.FORBIDDEN:
                    try:
                        await self._report_forbidden(adapter, apply_ctx, view, action, str(exc))
                    except Exception:  # telling the moderators failed: the refusal stands
                        log.exception("could not report the missing permission")
                return result("failed", f"{exc.kind}: {exc}")
            except Exception as exc:  # an adapter bug must not stop the bot
                log.exception("adapter failed on %s", action.kind)
                return result("failed", f"error: {exc.__class__.__name__}: {exc}")
        return result("failed", "gave up after retries")

    async def _report_forbidden(
        self,
        adapter: Adapter,
        apply_ctx: ApplyContext,
        view: CommunityView,
        action: Action,
        detail: str,
    ) -> None:
        """Tell the moderators once per community and action kind, not on every message."""
        key = (apply_ctx.community.id, action.kind)
        if key in self._reported or isinstance(action, AlertModerators | Post):
            return
        self._reported.add(key)
        text = view.texts.get(
            "platform.forbidden", action=action.kind, community=view.settings.name, detail=detail
        )
        alert = self._route(AlertModerators(text=text), view)
        if alert.kind in adapter.capabilities:
            try:
                await adapter.execute(apply_ctx.community.external_id, alert)
            except PlatformError as exc:
                log.warning("could not alert moderators either: %s", exc)


_NO_SETTLE = Patch.settle  # a patch that settles nothing after the actions


def _unreachable(o: ActionOutcome) -> bool:
    return o.status == "skipped" and o.detail.startswith(PlatformError.UNREACHABLE)


async def _dm_fallback(
    o: ActionOutcome, apply_ctx: ApplyContext, view: CommunityView
) -> Post | None:
    """What the playbook does instead of a DM the member cannot receive
    (`community.dm_fallback`): a public note naming them, with an "open a chat with me" link
    (button) or without (mention), or nothing (none)."""
    action = o.action
    mode = view.settings.dm_fallback
    if not isinstance(action, SendDirect) or not _unreachable(o) or mode == "none":
        return None
    member = await apply_ctx.state.member(action.user_id)  # (perhaps evicted: loaded again)
    name = (member.name if member else "") or action.user_id
    text = view.texts.get("dm.fallback", member=name, community=view.settings.name)
    buttons: tuple[Button, ...] = ()
    if mode == "button":
        buttons = (Button(view.texts.get("dm.fallback_button"), action.on_start, opens_dm=True),)
    return Post(
        channel_id=view.settings.default_channel,
        text=text,
        mentions=(action.user_id,),
        buttons=buttons,
    )


def _crashed(
    now: datetime, outcome: RuleOutcome, reason: str, action: Action, exc: Exception
) -> ActionOutcome:
    detail = f"error: {exc.__class__.__name__}: {exc}"
    return ActionOutcome(now, outcome.rule, reason, action, "failed", detail)


def _anonymised(row: dict[str, Any], forgotten: dict[str, str]) -> dict[str, Any]:
    anon = forgotten.get(row["target_user"] or "")
    if anon is None:
        return row
    # a private chat's id is the member's id (Telegram)
    channel = anon if row["channel"] in forgotten else row["channel"]
    return {**row, "target_user": anon, "channel": channel, "text": None}


def _fence_point(patches: Sequence[Patch]) -> int:
    """Where a job's decision passes the lease fence: right after its claims (from its first
    claim on, one after the other; patches before that change memory only), or before
    anything when it claims nothing."""
    end = next((i for i, p in enumerate(patches) if p.claims), None)
    if end is None:
        return 0
    while end < len(patches) and patches[end].claims:
        end += 1
    return end


def _audit_row(o: ActionOutcome) -> dict[str, Any]:
    text = o.action.text_shown
    return {
        "at": o.at,
        "rule": o.rule[:100],
        "action": o.action.kind,
        "status": o.status,
        "target_user": o.action.target_user,
        "channel": o.action.channel,
        "reason": o.reason,
        "text": text[:2000] if text else None,
        "detail": o.detail,
    }
