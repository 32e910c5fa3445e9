"""The engine: gives each enabled rule the event, its config, its snapshot and the clock, and
collects the decisions — or, in a dry run, why each rule did or did not fire."""

from __future__ import annotations

import logging
from collections import _tuplegetter  # type: ignore[attr-defined]
from collections.abc import Sequence
from dataclasses import replace
from types import CoroutineType
from typing import Any

from bot.commands import CommandSpec, argument_problem, whole_number
from bot.events import Actor, CommandInvoked, Event, MessagePosted
from bot.rule import Capability, Decision, RuleContext, RuleSpec, answer, view_only

log = logging.getLogger(__name__)


class RuleOutcome(tuple[str, str, "Decision | None", str, bool]):
    """One rule's part in handling an event: (rule, capability, decision, note, fired).
    Immutable; made for every rule an event reaches (several per message), so it is a tuple,
    which is made in a fraction of what a slotted class's `__init__` costs, and its fields are
    read as a named tuple's are, by C getters (the runtime and its callers read several per
    rule per message)."""

    __slots__ = ()

    def __new__(
        cls, rule: str, capability: str, decision: Decision | None, note: str = ""
    ) -> RuleOutcome:
        return _NEW(
            cls, (rule, capability, decision, note, decision is not None and decision.fired)
        )

    rule: str = _tuplegetter(0, "The rule's name.")  # type: ignore[assignment]
    capability: str = _tuplegetter(1, "The rule's capability.")  # type: ignore[assignment]
    decision: Decision | None = _tuplegetter(  # type: ignore[assignment]
        2, "None: the rule was not asked (disabled, other event, error)."
    )
    note: str = _tuplegetter(3, "Why the rule was not asked, or the error.")  # type: ignore[assignment]
    # (the decision's own, kept beside it: a Decision is immutable)
    fired: bool = _tuplegetter(4, "The rule was asked and fired.")  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if type(other) is not RuleOutcome:
            return NotImplemented
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        if type(other) is not RuleOutcome:
            return NotImplemented
        return tuple.__ne__(self, other)

    __hash__ = tuple.__hash__

    def __getnewargs__(self) -> tuple[str, str, Decision | None, str]:
        return self[:4]  # (copied and pickled as made: `fired` follows from the decision)

    def __repr__(self) -> str:
        return (
            f"RuleOutcome(rule={self[0]!r}, capability={self[1]!r}, "
            f"decision={self[2]!r}, note={self[3]!r})"
        )

    @property
    def reason(self) -> str:
        decision = self[2]
        return decision.reason if decision else self[3]


_NEW = tuple.__new__


def member_standing(actor: Actor, settings: Any) -> str:
    """'admin', 'moderator' or 'member', from the platform's flags and the playbook's roles."""
    if actor.is_admin:
        return "admin"
    roles = actor.roles
    if roles and not set(settings.admin_roles).isdisjoint(roles):
        return "admin"
    if actor.is_moderator or (roles and not set(settings.moderator_roles).isdisjoint(roles)):
        return "moderator"
    return "member"


def standing_of(actor: Actor, settings: Any) -> str:
    """What the community state keeps: 'bot' for bots, else `member_standing`."""
    return "bot" if actor.is_bot else member_standing(actor, settings)


def protected_standing(actor: Actor, settings: Any) -> str | None:
    """The bot never acts against moderators, admins, bots or itself: their standing, or
    None for a plain member."""
    standing = standing_of(actor, settings)
    return None if standing == "member" else standing


def explain_probe(event: CommandInvoked) -> MessagePosted:
    """The message `/explain TEXT` and `/automod explain TEXT` try: from nobody the bot knows
    (no history, no standing), in the channel the command was used in."""
    return MessagePosted(
        platform=event.platform,
        community_id=event.community_id,
        occurred_at=event.occurred_at,
        channel_id=event.channel_id,
        message_id=f"explain-{event.message_id or 'x'}",
        author=Actor(user_id="explain-probe", name="probe"),
        text=str(event.args.get("text", "")),
    )


_RANK = {"member": 0, "moderator": 1, "admin": 2}

# One rule of an event type's plan: (rule, capability name, section or None, asks `concerns`,
# its gate or None, its loader — None for `view_only` — and its function)
_Step = tuple[RuleSpec, str, Any, bool, Any, Any, Any]
_NO_PLAN: tuple[list[_Step], list[RuleOutcome | None]] = ([], [])


class Engine:
    def __init__(
        self, capabilities: Sequence[Capability], core_commands: Sequence[CommandSpec] = ()
    ) -> None:
        self.capabilities = sorted(capabilities, key=lambda c: (c.priority, c.name))
        self.commands: dict[str, CommandSpec] = {c.name: c for c in core_commands}
        for cap in self.capabilities:
            for spec in cap.commands:
                if spec.name in self.commands:
                    raise ValueError(f"command /{spec.name} is declared twice ({cap.name})")
                self.commands[spec.name] = spec
        self._plans: dict[
            tuple[int, type, bool, bool], tuple[Any, list[_Step], list[RuleOutcome | None]]
        ] = {}
        # False: no rule's gate is asked (each rule loads and decides): what the tests hold
        # the gates to
        self.gates = True

    def permission_denied(self, event: CommandInvoked, ctx: RuleContext) -> RuleOutcome | None:
        spec = self.commands.get(event.command)
        if spec is None:
            return None
        standing = member_standing(event.actor, ctx.view.settings)
        if _RANK[standing] >= _RANK[spec.permission]:
            return None
        texts = ctx.view.texts
        reply = answer(
            event,
            texts.get(
                "command.denied", role=texts.raw(f"role.{spec.permission}"), command=spec.name
            ),
        )
        decision = Decision.act(
            [reply],
            f"{event.actor.display} is a {standing}; /{spec.name} needs {spec.permission}",
            stop=True,
        )
        return RuleOutcome("core.permissions", "core", decision)

    def refused(self, event: CommandInvoked, ctx: RuleContext) -> RuleOutcome | None:
        """A command the engine answers itself: not allowed, or a number out of range."""
        return self.permission_denied(event, ctx) or self.bad_argument(event, ctx)

    def bad_argument(self, event: CommandInvoked, ctx: RuleContext) -> RuleOutcome | None:
        """A whole-number argument that is not one, or is out of its range (`/warn` weight
        2^31, `/case 10^30`): answered, instead of a rule or the database failing on it."""
        spec = self.commands.get(event.command)
        option = argument_problem(spec, event.args) if spec is not None else None
        if spec is None or option is None:
            return None
        shown = str(event.args.get(option.name))
        shown = shown if len(shown) <= 24 else shown[:23] + "…"
        reply = answer(
            event,
            ctx.view.texts.get(
                "command.bad_number",
                option=option.name,
                minimum=option.minimum,
                maximum=f"{option.maximum:,}",
                value=shown,
                usage=spec.usage(),
            ),
            private=True,
        )
        why = f"/{spec.name}: {option.name}={shown!r} is not in {option.minimum}..{option.maximum}"
        return RuleOutcome("core.arguments", "core", Decision.act([reply], why, stop=True))

    def _whole_numbers(self, event: CommandInvoked) -> CommandInvoked:
        """Integer options as ints (`"12"`, `"#12"` → 12) once they passed their range check,
        so no rule parses them again."""
        spec = self.commands.get(event.command)
        if spec is None:
            return event
        numbers = {
            o.name: whole_number(event.args[o.name])
            for o in spec.options
            if o.type == "integer"
            and not o.checked_by_rule
            and event.args.get(o.name) not in (None, "")
        }
        changed = {k: v for k, v in numbers.items() if v is not None and v != event.args[k]}
        if not changed:
            return event
        return replace(event, args={**event.args, **changed})

    async def evaluate(
        self, event: Event, ctx: RuleContext, *, explain: bool = False
    ) -> list[RuleOutcome]:
        """Run every rule the event concerns. With `explain`, also list the rules that were not
        asked and why (the dry-run view)."""
        outcomes: list[RuleOutcome] = []
        command = type(event) is CommandInvoked
        if command:
            denied = self.refused(event, ctx)  # type: ignore[arg-type]
            if denied:
                return [denied]
            event = self._whole_numbers(event)  # type: ignore[arg-type]
        plan, last = self._plan(ctx, type(event), explain)
        now = ctx.now if plan else None
        view = ctx.view if plan else None
        i = -1
        for spec, cap_name, config, picky, gate, load, fn in plan:
            i += 1
            if config is None:  # only in explain: a disabled section says so
                if isinstance(event, spec.on):
                    why = f"section '{cap_name}' is disabled"
                    outcomes.append(RuleOutcome(spec.name, cap_name, None, why))
                continue
            if picky and not spec.concerns(event):
                continue
            try:
                # the rule's answer from the event alone, when it has one: no snapshot
                decision = None if gate is None else gate(event, config)
                if decision is None:
                    if load is None:  # `view_only`, without the call
                        snapshot = view
                    else:
                        snapshot = load(event, config, ctx)
                        if type(snapshot) is CoroutineType:  # the loader has to wait
                            snapshot = await snapshot
                    decision = fn(event, config, snapshot, now)
            except Exception as exc:  # a bug in one rule must not stop the bot
                log.exception("rule %s failed on %s", spec.name, event.kind)
                outcomes.append(
                    RuleOutcome(
                        spec.name, cap_name, None, f"error: {exc.__class__.__name__}: {exc}"
                    )
                )
                continue
            # a rule answering most events with one made-once decision ("not a check-in")
            # gets the outcome it had last time: no object per rule per message
            outcome = last[i]
            if outcome is None or outcome[2] is not decision:
                outcome = last[i] = _NEW(
                    RuleOutcome, (spec.name, cap_name, decision, "", decision.fired)
                )
            outcomes.append(outcome)
            if decision.stop and decision.fired:
                return outcomes
        if (
            command
            and event.command in self.commands  # type: ignore[attr-defined]
            and not any(o.decision for o in outcomes)
        ):
            return [*outcomes, self._not_enabled(event, ctx)]  # type: ignore[arg-type]
        return outcomes

    def _plan(
        self, ctx: RuleContext, kind: type, explain: bool
    ) -> tuple[list[_Step], list[RuleOutcome | None]]:
        """The rules an event type reaches under the playbook in force, in priority order, each
        as (rule, capability name, section, whether it asks `concerns`) — computed once per
        playbook version and event type, so a message does not walk every rule of every
        capability. With `explain`, disabled sections come too (section None), to say why they
        did not look. Beside it, each rule's latest outcome (see `evaluate`)."""
        if not self.capabilities:
            return _NO_PLAN
        playbook = ctx.playbook
        key = (id(playbook), kind, explain, self.gates)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is playbook:
            return cached[1], cached[2]
        plan: list[_Step] = []
        for cap in self.capabilities:
            config = getattr(playbook, cap.name, None)
            if config is None or not getattr(config, "enabled", True):
                if explain:
                    plan += [(r, cap.name, None, False, None, r.load, r.fn) for r in cap.rules]
                continue
            plan += [
                (
                    r,
                    cap.name,
                    config,
                    bool(r.commands or r.jobs),
                    r.gate if self.gates else None,
                    None if r.load is view_only else r.load,
                    r.fn,
                )
                for r in cap.rules
                if issubclass(kind, r.on)
            ]
        if len(self._plans) > 256:  # old playbook versions
            self._plans.clear()
        last: list[RuleOutcome | None] = [None] * len(plan)
        self._plans[key] = (playbook, plan, last)
        return plan, last

    def _not_enabled(self, event: CommandInvoked, ctx: RuleContext) -> RuleOutcome:
        """A known command whose capability is off in this playbook: say so, not silence."""
        reply = answer(event, ctx.view.texts.get("command.disabled", command=event.command))
        why = f"no enabled rule handles /{event.command}"
        return RuleOutcome("core.disabled", "core", Decision.act([reply], why))
