"""Cases for moderation actions decided elsewhere (e.g. the welcome SOP kicking a newcomer who
never verified): the executor calls `record_case` before such an action runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.actions import Action, AlertModerators, Ban, Timeout
from bot.configmodel import format_duration
from bot.rule import ApplyContext, CommunityView
from rules.moderation import store as mod_store
from rules.moderation.store import CaseStep, note_case, record_external_case

# memory: (user, action kind) → case number opened for it in the event being executed
OPENED = "moderation.external_cases"


async def record_case(
    ctx: ApplyContext,
    view: CommunityView,
    rule: str,
    reason: str,
    action: Action,
    now: datetime,
) -> list[Action]:
    user_id = action.target_user
    if user_id is None or action.kind in ("remove_timeout", "unban"):
        return []  # lifting a restriction is not a case of its own
    until = action.until if isinstance(action, Timeout | Ban) else None
    seconds = int((until - now).total_seconds()) if until else None
    text_reason = getattr(action, "reason", "") or reason
    # the platform lifts its own timeout; moderation's sweep lifts only the ones it scheduled
    number = await record_external_case(
        ctx.store,
        ctx.community,
        kind=action.kind,
        user_id=user_id,
        reason=text_reason,
        rule=rule,
        at=now,
        ends_at=until,
        event_key=ctx.next_case_key(),
    )
    ctx.memory.setdefault(OPENED, {})[(user_id, action.kind)] = number
    note_case(ctx.memory, number, user_id, action.kind)
    if not view.settings.mod_log_channel:
        return []
    duration = f" · {format_duration(timedelta(seconds=seconds))}" if seconds else ""
    values = {
        "number": number, "action": action.kind, "member": user_id, "by": rule,
        "duration": duration, "reason": text_reason,
    }  # fmt: skip
    text = view.texts.get("mod.case_log", **values, evidence="")
    public = view.texts.get("mod.case_log_public", **values)
    return [AlertModerators(text=text, user_id=user_id, public_text=public)]


async def settle(ctx: ApplyContext, outcomes: Sequence[Any]) -> None:
    """After the actions ran: a refused kick or timeout stays recorded as failed, with why."""
    opened: dict[tuple[str, str], int] = ctx.memory.pop(OPENED, {})
    for o in outcomes:
        number = opened.get((o.action.target_user or "", o.action.kind))
        if number is None:
            continue
        status = {"executed": "done"}.get(o.status, o.status)
        step = CaseStep(o.action.kind, status, o.detail if status != "done" else "")
        await mod_store.settle_case(ctx.store, ctx.community, number, [step])


record_case.settle = settle  # type: ignore[attr-defined]  # the executor calls it afterwards
