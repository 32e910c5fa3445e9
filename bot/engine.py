"""The engine: gives each enabled rule the event, its config, its snapshot and the clock, and
collects the decisions — or, in a dry run, why each rule did or did not fire."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from types import CoroutineType
from typing import Any

from bot.commands import CommandSpec, argument_problem, whole_number
from bot.events import Actor, CommandInvoked, Event, MessagePosted
from bot.rule import Capability, Decision, RuleContext, RuleSpec, answer

log = logging.getLogger(__name__)


class RuleOutcome:
    """One rule's part in handling an event. Immutable; made for every rule an event reaches,
    so it is a plain slotted class (a frozen dataclass costs three times as much)."""

    __slots__ = ("rule", "capability", "decision", "note")

    rule: str
    capability: str
    decision: Decision | None  # None: the rule was not asked (disabled, other event, error)
    note: str  # why it was not asked, or the error

    def __init__(
        self, rule: str, capability: str, decision: Decision | None, note: str = ""
    ) -> None:
        _SET_RULE(self, rule)
        _SET_CAPABILITY(self, capability)
        _SET_DECISION(self, decision)
        _SET_NOTE(self, note)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"RuleOutcome is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not RuleOutcome:
            return NotImplemented
        return (self.rule, self.capability, self.decision, self.note) == (
            other.rule,
            other.capability,
            other.decision,
            other.note,
        )

    def __hash__(self) -> int:
        return hash((self.rule, self.capability, self.decision, self.note))

    def __repr__(self) -> str:
        return (
            f"RuleOutcome(rule={self.rule!r}, capability={self.capability!r}, "
            f"decision={self.decision!r}, note={self.note!r})"
        )

    @property
    def fired(self) -> bool:
        return self.decision is not None and self.decision.fired

    @property
    def reason(self) -> str:
        return self.decision.reason if self.decision else self.note


_SET_RULE = RuleOutcome.rule.__set__  # type: ignore[attr-defined]
_SET_CAPABILITY = RuleOutcome.capability.__set__  # type: ignore[attr-defined]
_SET_DECISION = RuleOutcome.decision.__set__  # type: ignore[attr-defined]
_SET_NOTE = RuleOutcome.note.__set__  # type: ignore[attr-defined]


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

# One rule of an event type's plan: (rule, capability name, section or None, asks `concerns`)
_Step = tuple[RuleSpec, str, Any, bool]
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
            tuple[int, type, bool], tuple[Any, list[_Step], list[RuleOutcome | None]]
        ] = {}

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
        for i, (spec, cap_name, config, picky) in enumerate(plan):
            if config is None:  # only in explain: a disabled section says so
                if isinstance(event, spec.on):
                    why = f"section '{cap_name}' is disabled"
                    outcomes.append(RuleOutcome(spec.name, cap_name, None, why))
                continue
            if picky and not spec.concerns(event):
                continue
            try:
                snapshot = spec.load(event, config, ctx)
                if type(snapshot) is CoroutineType:  # the loader has to wait (see `Loader`)
                    snapshot = await snapshot
                decision = spec.fn(event, config, snapshot, now)
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
            if outcome is None or outcome.decision is not decision:
                outcome = last[i] = RuleOutcome(spec.name, cap_name, decision)
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
        key = (id(playbook), kind, explain)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is playbook:
            return cached[1], cached[2]
        plan: list[_Step] = []
        for cap in self.capabilities:
            config = getattr(playbook, cap.name, None)
            if config is None or not getattr(config, "enabled", True):
                if explain:
                    plan += [(r, cap.name, None, False) for r in cap.rules]
                continue
            plan += [
                (r, cap.name, config, bool(r.commands or r.jobs))
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
