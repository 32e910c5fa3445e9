"""FAQ answers as pure rules: answer a recognised question once per channel per cooldown,
count what is asked, and show moderators the most asked questions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.actions import Reply
from bot.engine import member_standing
from bot.events import CommandInvoked, Event, MessagePosted
from bot.frozen import quick_init
from bot.rule import ApplyContext, CommunityView, Decision, Patch, RuleContext, answer, rule
from bot.state import CommunityState
from bot.store import CommunityRef, Store
from rules.faq import store as q
from rules.faq.config import FaqConfig
from rules.faq.matcher import matcher_for
from rules.points.common import local_day, say

ANSWERED = "faq.answered"  # state: (channel, entry) → when last answered, persisted


async def load_state(store: Store, ref: CommunityRef, state: CommunityState) -> None:
    """When each entry was last answered in each channel (the cooldown survives a restart)."""
    saved = await store.get_state(ref, ANSWERED) or {}
    state.memory[ANSWERED] = {
        (channel, entry): datetime.fromisoformat(at)
        for channel, entry, at in saved.get("answered", [])
    }


def _dump_answered(state: CommunityState) -> dict[str, Any]:
    answered: dict[tuple[str, str], datetime] = state.memory.get(ANSWERED, {})
    return {"answered": [[c, e, at.isoformat()] for (c, e), at in answered.items()]}


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class Question:
    view: CommunityView
    entry: str
    last_answered: datetime | None


def load_question(event: Event, cfg: FaqConfig, ctx: RuleContext) -> Question | None:
    if type(event) is not MessagePosted or event.author.is_bot or not cfg.entries:
        return None
    memory = ctx.state.memory
    entry = matcher_for(cfg, memory).entry_for(event.text)
    if entry is None:
        return None
    answered = memory.get(ANSWERED, {})
    return Question(ctx.view, entry, answered.get((event.channel_id, entry)))


@quick_init  # made for every message
@dataclass(frozen=True, slots=True)
class CountQuestion(Patch):
    entry: str
    channel_id: str
    day: date
    answered_at: datetime | None

    async def apply(self, ctx: ApplyContext) -> None:
        await q.count_faq(
            ctx.store, ctx.community, self.entry, self.day, answered=self.answered_at is not None
        )
        if self.answered_at is not None:
            ctx.memory.setdefault(ANSWERED, {})[(self.channel_id, self.entry)] = self.answered_at
            state = ctx.state
            state.persist_later(ANSWERED, lambda: _dump_answered(state))


# the answer to an ordinary message, made once (a Decision is immutable)
_NO_QUESTION = Decision.skip("no FAQ question recognised")


@rule("faq.answer", on=MessagePosted, load=load_question)
def on_question(
    ev: MessagePosted, cfg: FaqConfig, snap: Question | None, now: datetime
) -> Decision:
    if snap is None:
        return _NO_QUESTION
    entry = next(e for e in cfg.entries if e.id == snap.entry)
    day = local_day(snap.view, ev.occurred_at)
    if cfg.ignore_moderators and ev.author.is_moderator:
        return Decision.skip(f"{ev.author.display} is a moderator")
    if entry.channels and ev.channel_id not in entry.channels:
        return Decision.update(
            [CountQuestion(entry.id, ev.channel_id, day, None)],
            f"FAQ {entry.id} is not answered in #{ev.channel_id}",
        )
    if snap.last_answered is not None and ev.occurred_at - snap.last_answered < cfg.cooldown:
        ago = int((ev.occurred_at - snap.last_answered).total_seconds())
        return Decision.update(
            [CountQuestion(entry.id, ev.channel_id, day, None)],
            f"FAQ {entry.id} answered here {ago}s ago (cooldown)",
        )
    text = say(snap.view, entry.answer, "", member=ev.author.display)
    return Decision.act(
        [
            Reply(
                channel_id=ev.channel_id,
                reply_to=ev.message_id,
                text=text,
                user_id=ev.author.user_id,
            )
        ],
        f"FAQ {entry.id} recognised",
        [CountQuestion(entry.id, ev.channel_id, day, ev.occurred_at)],
    )


@dataclass(frozen=True, slots=True)
class TopQuestions:
    view: CommunityView
    days: int
    rows: list[tuple[str, int, int]]


async def load_top(event: Event, cfg: FaqConfig, ctx: RuleContext) -> TopQuestions:
    """The statistics, only when asked for (`/faq stats`)."""
    days = 30
    if not isinstance(event, CommandInvoked) or event.args.get("what") != "stats":
        return TopQuestions(ctx.view, days, [])
    today = local_day(ctx.view, ctx.now)
    rows = await q.faq_answer_counts(
        ctx.store, ctx.community, today - timedelta(days=days - 1), today + timedelta(days=1)
    )
    return TopQuestions(ctx.view, days, rows[: cfg.top_size])


@rule("faq.top", on=CommandInvoked, load=load_top, commands=("faq",))
def on_top(ev: CommandInvoked, cfg: FaqConfig, snap: TopQuestions, now: datetime) -> Decision:
    """`/faq`: the questions and answers, for everyone; `/faq stats`: the most asked
    (moderators)."""
    texts = snap.view.texts
    if ev.args.get("what") != "stats":
        return _faq_list(ev, cfg, snap.view)
    if member_standing(ev.actor, snap.view.settings) == "member":
        text = texts.get("command.denied", role=texts.raw("role.moderator"), command="faq stats")
        return Decision.act([answer(ev, text)], f"{ev.actor.display} may not see FAQ statistics")
    if not snap.rows:
        text = texts.get("faq.top_empty", days=snap.days)
    else:
        text = "\n".join(
            [texts.get("faq.top_title", days=snap.days)]
            + [
                texts.get("faq.top_line", position=i, entry=e, asked=a, answered=n)
                for i, (e, a, n) in enumerate(snap.rows, 1)
            ]
        )
    return Decision.act(
        [answer(ev, text)],
        f"{len(snap.rows)} FAQ entries asked",
    )


def _faq_list(ev: CommandInvoked, cfg: FaqConfig, view: CommunityView) -> Decision:
    texts = view.texts
    if not cfg.entries:
        return Decision.act([answer(ev, texts.get("faq.list_empty"))], "no FAQ entries")
    lines = [texts.get("faq.list_title")]
    for entry in cfg.entries:
        question = entry.question or (entry.keywords[0] if entry.keywords else entry.id)
        reply = say(view, entry.answer, "", member=ev.actor.display)
        lines.append(texts.get("faq.list_line", question=question, answer=reply))
    return Decision.act([answer(ev, "\n".join(lines))], f"{len(cfg.entries)} FAQ entries listed")
