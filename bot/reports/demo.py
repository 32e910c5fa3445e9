"""`qunbot demo`: weeks of a real chat corpus through the default playbook, then the report.

The corpus is PyPI `chitchat-dataset` (MIT): 7,168 mostly two-person conversations from 2018
with ISO timestamps and sender UUIDs. We merge them by time into one group chat, drop bulk
minutes (one minute holds 2,602 messages: an import artefact, not people talking), give each
sender a readable name and make them join just before their first message, so the welcome SOP
runs as it would for real newcomers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.events import Actor, Event, MemberJoined, MessagePosted

PLATFORM = "demo"
COMMUNITY = "chitchat"
CHANNEL = "general"
# A minute with more messages than this is a bulk import, not a conversation.
BULK_MINUTE = 500
DEFAULT_START = date(2018, 10, 1)  # a Monday in a busy, ordinary stretch of the corpus
JOIN_LEAD = timedelta(minutes=2)  # a sender joins this long before their first message
_FIRST_NAMES = (
    "Alex",
    "Bea",
    "Chen",
    "Dana",
    "Eli",
    "Fang",
    "Gus",
    "Hana",
    "Ivan",
    "Jin",
    "Kai",
    "Lena",
    "Ming",
    "Nora",
    "Omar",
    "Pia",
    "Qiu",
    "Rosa",
    "Sam",
    "Tao",
    "Uma",
    "Vic",
    "Wen",
    "Xin",
    "Yara",
    "Zoe",
)


@dataclass(frozen=True, slots=True)
class CorpusMessage:
    at: datetime
    sender: str
    text: str


def load_corpus() -> list[CorpusMessage]:
    """Every message of the corpus, bulk minutes removed, in time order."""
    raw = resources.files("chitchat_dataset").joinpath("dataset.json").read_text("utf-8")
    messages = [
        CorpusMessage(
            datetime.fromisoformat(m["timestamp"].replace("Z", "+00:00")).astimezone(UTC),
            m["sender"],
            m["text"],
        )
        for conversation in json.loads(raw).values()
        for turn in conversation["messages"]
        for m in turn
    ]
    per_minute = Counter(m.at.replace(second=0, microsecond=0) for m in messages)
    bulk = {minute for minute, n in per_minute.items() if n > BULK_MINUTE}
    kept = [m for m in messages if m.at.replace(second=0, microsecond=0) not in bulk]
    kept.sort(key=lambda m: m.at)
    return kept


def window(messages: list[CorpusMessage], start: date, weeks: int) -> list[CorpusMessage]:
    since = datetime.combine(start, datetime.min.time(), UTC)
    until = since + timedelta(weeks=weeks)
    return [m for m in messages if since <= m.at < until]


@dataclass
class Names:
    """Readable, stable member names for sender UUIDs, in order of first appearance."""

    names: dict[str, str] = field(default_factory=dict)

    def __call__(self, sender: str) -> str:
        if sender not in self.names:
            n = len(self.names)
            self.names[sender] = (
                f"{_FIRST_NAMES[n % len(_FIRST_NAMES)]}{n // len(_FIRST_NAMES) + 1}"
            )
        return self.names[sender]


def events(messages: list[CorpusMessage], not_before: datetime) -> Iterator[Event]:
    """A join before each sender's first message (never before `not_before`, the start of the
    window), then the messages, never going back in time."""
    names = Names()
    last = not_before
    base = {"platform": PLATFORM, "community_id": COMMUNITY}
    for number, message in enumerate(messages):
        fresh = message.sender not in names.names
        actor = Actor(user_id=message.sender[:64], name=names(message.sender))
        if fresh:
            joined = max(last, message.at - JOIN_LEAD)
            yield MemberJoined(**base, occurred_at=joined, member=actor, channel_id=CHANNEL)
        last = message.at
        yield MessagePosted(
            **base,
            occurred_at=message.at,
            channel_id=CHANNEL,
            message_id=f"cc-{number}",
            author=actor,
            text=message.text,
        )


def demo_playbook(source: Path, out_dir: Path) -> Path:
    """A copy of `source` whose report charts go into `out_dir` (the operator's file is left
    untouched)."""
    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    report = data.setdefault("report", {})
    report["output_dir"] = str((out_dir / "weekly").resolve())
    # the copy lives in out_dir: paths that were relative to the original's folder stay valid
    entries = (data.get("calendar") or {}).get("entries") or {}
    for entry in entries.values():
        if isinstance(entry, dict) and isinstance(entry.get("image"), str):
            entry["image"] = str((source.parent / entry["image"]).resolve())
    path = out_dir / "playbook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class DemoStats:
    events: int = 0
    messages: int = 0
    joins: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    weekly_posts: list[str] = field(default_factory=list)


async def run_demo(
    *,
    playbook: Path,
    out_dir: Path,
    start: date,
    weeks: int,
    db_url: str,
    language: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    corpus: list[CorpusMessage] | None = None,
) -> tuple[DemoStats, Any, dict[str, Path]]:
    """Replay the window; returns the statistics, the report of its last full week and the
    files written."""
    from adapters.recording import RecordingAdapter
    from bot.app import build_runtime
    from bot.reports.collect import make_report, measure, tier_ladder, write_report
    from bot.simulation import Simulation

    out_dir.mkdir(parents=True, exist_ok=True)
    messages = window(corpus if corpus is not None else load_corpus(), start, weeks)
    begin = datetime.combine(start, datetime.min.time(), UTC)
    stream = list(events(messages, begin))
    stats = DemoStats()
    runtime = await build_runtime(
        db_url=db_url,
        playbook=demo_playbook(playbook, out_dir),
        adapters={PLATFORM: RecordingAdapter(platform=PLATFORM)},
    )

    def observe(ref: Any, outcome: Any) -> None:
        stats.by_kind[outcome.action.kind] += 1
        stats.by_rule[outcome.rule] += 1
        if outcome.rule == "report.weekly" and outcome.action.image is None:
            stats.weekly_posts.append(outcome.action.text)

    runtime.observers.append(observe)
    sim = Simulation(runtime, begin)
    try:
        for number, event in enumerate(stream, 1):
            await sim.feed(event)
            stats.events += 1
            if isinstance(event, MemberJoined):
                stats.joins += 1
            else:
                stats.messages += 1
            if progress and (number % 500 == 0 or number == len(stream)):
                progress(number, len(stream))
        # let the clock reach the weekly report of the last week (and its follow-ups)
        end = begin + timedelta(weeks=weeks)
        await sim.advance_to(end + timedelta(days=1))
        await runtime.drain()  # the report's charts, posted in the background
        playbook_model = runtime.playbooks.default.current
        settings = playbook_model.community
        section = playbook_model.report
        language = language or section.language or settings.language
        ref = await runtime.store.community(PLATFORM, COMMUNITY)
        last_day = (end - timedelta(days=1)).astimezone(settings.tz).date()
        pair = await measure(
            runtime.store,
            ref,
            last_day - timedelta(days=6),
            last_day,
            tz=settings.tz,
            now=sim.now,
            community_name=settings.name,
            top=section.top_contributors,
            tiers=tier_ladder(playbook_model),
        )
    finally:
        await runtime.store.close()
    report = make_report(pair, section.health, language)
    written = write_report(report, out_dir, ("md", "json", "html", "png"))
    return stats, report, written
