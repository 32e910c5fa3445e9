"""The content calendar as pure rules: the scheduled tick, and the /calendar command."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from bot.actions import Action, AlertModerators, Post
from bot.engine import member_standing
from bot.events import CommandInvoked, Event, Tick
from bot.rule import CommunityView, Decision, Patch, RuleContext, rule
from bot.texts import plural
from rules.calendar import store as calendar_store
from rules.calendar.config import CalendarConfig, CalendarEntry
from rules.calendar.occurrences import (
    iter_occurrences,
    misfire_decision,
    next_occurrences,
    occurrence_key,
)
from rules.calendar.patches import PAUSED_STATE, MarkAlerted, RecordOccurrences, SetPaused
from rules.calendar.pool import next_pool_item
from rules.calendar.store import CLAIMED, SKIPPED, NewOccurrence, OccurrenceRow

TICK_JOB = "calendar.tick"
COMMAND = "calendar"
# missed posts older than the largest grace plus this are not even logged as skipped
LOOKBACK_MARGIN = timedelta(days=1)
DEFAULT_LIST = 5
MAX_LIST = 25


# -- snapshot ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarState:
    view: CommunityView
    seed: str  # separates the pool order of communities sharing one playbook
    recorded: frozenset[str]  # occurrence keys already recorded in the lookback window
    paused: frozenset[str]
    history: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # shown pool items
    failures: tuple[OccurrenceRow, ...] = ()


def lookback(cfg: CalendarConfig) -> timedelta:
    graces = [e.grace for e in cfg.entries.values() if e.enabled]
    return max(graces, default=timedelta(0)) + LOOKBACK_MARGIN


async def load_state(event: Event, cfg: CalendarConfig, ctx: RuleContext) -> CalendarState:
    ref = ctx.community
    since = ctx.now - lookback(cfg)
    pooled = [entry_id for entry_id, e in cfg.entries.items() if e.pool]
    read = await calendar_store.tick_reads(ctx.store, ref, since, pooled)
    paused = (await ctx.store.get_state(ref, PAUSED_STATE) or {}).get("entries", [])
    return CalendarState(
        ctx.view,
        f"{ref.platform}:{ref.external_id}",
        frozenset(r.key for r in read.recorded),
        frozenset(paused),
        {k: tuple(v) for k, v in read.history.items()},
        tuple(read.failures),
    )


# -- pure helpers ------------------------------------------------------------------------------


def due(
    cfg: CalendarConfig, tz: tzinfo, now: datetime, recorded: frozenset[str]
) -> list[tuple[datetime, str]]:
    """(time, entry) of every post due by `now` in the lookback window not yet recorded."""
    since = now - lookback(cfg)
    found = [
        (at, entry_id)
        for entry_id, entry in cfg.entries.items()
        if entry.enabled
        for at in iter_occurrences(entry, tz, since, now + timedelta(microseconds=1))
        if occurrence_key(entry_id, at) not in recorded
    ]
    return sorted(found)


def render_post(
    entry_id: str,
    entry: CalendarEntry,
    at: datetime,
    view: CommunityView,
    topic: str | None = None,
) -> Post:
    local = view.local(at)
    values = {
        "community": view.settings.name,
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "entry": entry_id,
    }
    if topic is not None:
        values["topic"] = topic
    poll = entry.poll
    return Post(
        channel_id=entry.channel,
        text=entry.text.render(values),
        image=entry.image,
        poll_question=poll.question.render(values) if poll else None,
        poll_options=tuple(poll.options) if poll else (),
    )


def pick_topic(
    entry_id: str, entry: CalendarEntry, snap: CalendarState, extra: list[str] | None = None
) -> str | None:
    if not entry.pool:
        return None
    used = [*snap.history.get(entry_id, ()), *(extra or [])]
    return next_pool_item(entry_id, entry.pool, used, seed=snap.seed).item


def _late(at: datetime, now: datetime) -> str:
    minutes = int((now - at).total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


# -- the scheduled tick ------------------------------------------------------------------------


@rule("calendar.post", on=Tick, load=load_state, jobs=(TICK_JOB,))
def post_due(event: Tick, cfg: CalendarConfig, snap: CalendarState, now: datetime) -> Decision:
    """Post what is due (once), skip and log what is too late or paused, report failures."""
    view = snap.view
    rows: list[NewOccurrence] = []
    posts: dict[str, Action] = {}
    picked: dict[str, list[str]] = {}
    for at, entry_id in due(cfg, view.tz, now, snap.recorded):
        entry = cfg.entries[entry_id]
        key = occurrence_key(entry_id, at)
        if entry_id in snap.paused:
            rows.append(NewOccurrence(entry_id, key, at, SKIPPED, detail="entry paused"))
            continue
        if misfire_decision(at, now, entry.grace) == "skip":
            rows.append(
                NewOccurrence(
                    entry_id,
                    key,
                    at,
                    SKIPPED,
                    detail=(
                        f"missed by {_late(at, now)} (the bot was not running?); grace is "
                        f"{int(entry.grace.total_seconds() // 60)} min"
                    ),
                )
            )
            continue
        topic = pick_topic(entry_id, entry, snap, picked.setdefault(entry_id, []))
        if topic is not None:
            picked[entry_id].append(topic)
        posts[key] = render_post(entry_id, entry, at, view, topic)
        rows.append(NewOccurrence(entry_id, key, at, CLAIMED, pool_item=topic))
    alerts = [
        AlertModerators(
            text=view.texts.get(
                "calendar.failed",
                entry=f.entry_id,
                when=view.local(f.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                detail=f.detail,
            )
        )
        for f in snap.failures
    ]
    patches: list[Patch] = []
    if rows:
        patches.append(RecordOccurrences(tuple(rows), now, posts))
    if alerts:
        patches.append(MarkAlerted(tuple(f.key for f in snap.failures), now))
    if not patches:
        return Decision.skip("no calendar post due")
    skipped = sum(r.status == SKIPPED for r in rows)
    reason = (
        f"{plural(len(posts), 'calendar post')} due, {skipped} skipped, "
        f"{plural(len(alerts), 'failure')} reported"
    )
    return Decision.act([*posts.values(), *alerts], reason, patches)


# -- /calendar ---------------------------------------------------------------------------------


def _find_entry(
    event: CommandInvoked, cfg: CalendarConfig, view: CommunityView, action: str
) -> tuple[str | None, Decision | None]:
    names = ", ".join(sorted(cfg.entries)) or "-"
    wanted = str(event.args.get("entry") or "").strip()
    if not wanted:
        return None, Decision.answer(
            event,
            view.texts.get("calendar.need_entry", action=action, entries=names),
            "no entry named",
        )
    if wanted not in cfg.entries:
        close = difflib.get_close_matches(wanted, list(cfg.entries), n=1)
        hint = view.texts.get("calendar.did_you_mean", entry=close[0]) if close else ""
        return None, Decision.answer(
            event,
            view.texts.get("calendar.unknown_entry", entry=wanted, entries=names) + hint,
            "unknown entry",
        )
    return wanted, None


def _when(view: CommunityView, at: datetime) -> str:
    local = view.local(at)
    return f"{view.texts.weekday(local.weekday())} {local:%Y-%m-%d %H:%M}"


def _upcoming(
    event: CommandInvoked, cfg: CalendarConfig, snap: CalendarState, now: datetime
) -> Decision:
    view = snap.view
    count = event.args.get("count") or DEFAULT_LIST
    count = max(1, min(int(count), MAX_LIST))
    active = {k: e for k, e in cfg.entries.items() if k not in snap.paused}
    upcoming = [
        u
        for u in next_occurrences(active, view.tz, now, count + len(snap.recorded))
        if u.key not in snap.recorded
    ][:count]
    if not upcoming:
        text = view.texts.get("calendar.none")
    else:
        lines = [view.texts.get("calendar.upcoming_header", timezone=view.settings.timezone)]
        lines += [
            view.texts.get(
                "calendar.upcoming_line",
                when=_when(view, u.at),
                entry=u.entry_id,
                channel=cfg.entries[u.entry_id].channel,
            )
            for u in upcoming
        ]
        if snap.paused:
            lines.append(
                view.texts.get("calendar.paused_list", entries=", ".join(sorted(snap.paused)))
            )
        text = "\n".join(lines)
    return Decision.answer(event, text, f"listed {plural(len(upcoming), 'upcoming post')}")


def _preview(
    event: CommandInvoked, cfg: CalendarConfig, snap: CalendarState, now: datetime
) -> Decision:
    view = snap.view
    entry_id, refused = _find_entry(event, cfg, view, "preview")
    if refused or entry_id is None:
        return refused or Decision.skip("no entry")
    entry = cfg.entries[entry_id]
    nxt = next(
        (
            at
            for at in iter_occurrences(entry, view.tz, now, now + timedelta(days=400))
            if occurrence_key(entry_id, at) not in snap.recorded
        ),
        None,
    )
    if nxt is None:
        return Decision.answer(
            event,
            view.texts.get("calendar.preview_none", entry=entry_id),
            f"{entry_id} has no next post",
        )
    post = render_post(entry_id, entry, nxt, view, pick_topic(entry_id, entry, snap))
    lines = [
        view.texts.get(
            "calendar.preview", entry=entry_id, when=_when(view, nxt), channel=post.channel_id
        ),
        post.text,
    ]
    if post.poll_question:
        lines.append(
            view.texts.get(
                "calendar.preview_poll",
                question=post.poll_question,
                options=" / ".join(post.poll_options),
            )
        )
    if post.image:
        lines.append(view.texts.get("calendar.preview_image", image=post.image))
    if entry_id in snap.paused or not entry.enabled:
        lines.append(view.texts.get("calendar.preview_paused", entry=entry_id))
    return Decision.answer(event, "\n".join(lines), f"previewed {entry_id} for {nxt.isoformat()}")


def _pause(
    event: CommandInvoked, cfg: CalendarConfig, snap: CalendarState, now: datetime, pause: bool
) -> Decision:
    view = snap.view
    action = "pause" if pause else "resume"
    standing = member_standing(event.actor, view.settings)
    if standing == "member":
        return Decision.answer(
            event,
            view.texts.get(
                "command.denied",
                role=view.texts.raw("role.moderator"),
                command=f"{COMMAND} {action}",
            ),
            f"{event.actor.display} is a member; /calendar {action} needs a moderator",
        )
    entry_id, refused = _find_entry(event, cfg, view, action)
    if refused or entry_id is None:
        return refused or Decision.skip("no entry")
    if pause == (entry_id in snap.paused):
        key = "calendar.already_paused" if pause else "calendar.not_paused"
        return Decision.answer(event, view.texts.get(key, entry=entry_id), f"{entry_id} unchanged")
    if pause:
        text = view.texts.get("calendar.paused", entry=entry_id)
    else:
        nxt = next(
            iter_occurrences(cfg.entries[entry_id], view.tz, now, now + timedelta(days=400)), None
        )
        text = view.texts.get(
            "calendar.resumed", entry=entry_id, when=_when(view, nxt) if nxt else "-"
        )
    return Decision.answer(event, text, f"{action}d {entry_id}", (SetPaused(entry_id, pause, now),))


@rule("calendar.command", on=CommandInvoked, load=load_state, commands=(COMMAND,))
def calendar_command(
    event: CommandInvoked, cfg: CalendarConfig, snap: CalendarState, now: datetime
) -> Decision:
    action = str(event.args.get("action") or "list")
    if action == "preview":
        return _preview(event, cfg, snap, now)
    if action in ("pause", "resume"):
        return _pause(event, cfg, snap, now, action == "pause")
    return _upcoming(event, cfg, snap, now)
