"""The shortcuts of the common message (issue 10) decide exactly what the long way does: the
points rule's hot path against the whole rule, the rules' gates against their loader and rule,
the fingerprint's shortcut against splitting and joining, and the events' quick `__init__`
against what a dataclass promises."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.recording import RecordingAdapter
from bot.app import build_runtime, playbook_model
from bot.corpus import load_chat
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    Tick,
)
from bot.playbook.loader import load_playbook
from bot.rule import CommunityView
from bot.store import MemberInfo
from bot.texts import CORE_TEXTS, Texts
from rules.points import store as points_q
from rules.points.ledger import PointsSnapshot, fingerprint
from rules.points.rules import MessageSnapshot, _on_message, on_message

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "playbooks" / "default.yaml"
CHAT = load_chat()[0][:3000]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _reference_fingerprint(text: str) -> str:
    return hashlib.blake2b(" ".join(text.casefold().split()).encode(), digest_size=8).hexdigest()


def test_the_fingerprint_shortcut_gives_what_splitting_and_joining_gives():
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    pieces = [*spaces, "  ", "a", "B", "ß", "İ", "ﬁ", "中", "\u200b", "x y"]
    rng = random.Random(3)
    texts = [m.text for m in CHAT] + ["", " ", "a b", " a", "a ", "a  b", "A\tB", "Σ ς"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(20_000)]
    texts += [f"a{w}b" for w in spaces] + [f"{w}a{w}" for w in spaces]
    for text in texts:
        assert fingerprint(text) == _reference_fingerprint(text), repr(text)


# -- the points rule: hot path and whole rule ----------------------------------------------------


def _view(playbook: Any) -> CommunityView:
    settings = playbook.community
    return CommunityView(settings, Texts(settings.language, CORE_TEXTS, {}), settings.tz)


def _members(user: str, text: str) -> list[tuple[PointsSnapshot, datetime]]:
    """Member states that take every branch: new, in cooldown, a repeat, at the daily cap,
    one point short of a level and far from one, a newcomer or not, unknown to the state."""
    day = NOW.date()
    mark = fingerprint(text)
    joined = NOW - timedelta(days=1)
    newcomer = MemberInfo(user, "n", False, joined, None, 1, None, None, 3, None, None, True)
    regular = dataclasses.replace(newcomer, joined_at=NOW - timedelta(days=90))
    out = []
    for info in (None, newcomer, regular):
        for xp in (0, 99, 100, 254, 5000):
            for last in (None, NOW - timedelta(seconds=10), NOW - timedelta(hours=1)):
                for today, recent in (((), ()), ((("message", 300),), ()), ((), (mark,))):
                    snap = PointsSnapshot(user, xp, xp, day, today, last, recent, info)
                    out.append((snap, NOW))
                    out.append((snap, NOW + timedelta(days=1)))  # another day than the event's
    return out


def test_the_hot_path_decides_as_the_whole_rule():
    playbook = load_playbook(DEFAULT, playbook_model())
    shipped, view = playbook.points, _view(playbook)
    quiet = shipped.levels.model_copy(update={"announce": False})
    for cfg in (shipped, shipped.model_copy(update={"levels": quiet})):
        for n, m in enumerate(CHAT[:40]):
            author = Actor(user_id=m.sender, name=m.sender[:8])
            for channel in ("general", "bot-commands"):
                for member, now in _members(m.sender, m.text):
                    ev = MessagePosted(
                        platform="t",
                        community_id="c",
                        occurred_at=NOW,
                        channel_id=channel,
                        message_id=f"m{n}",
                        author=author,
                        text=m.text,
                    )
                    p = member
                    snap = MessageSnapshot(
                        *(p.user_id, p.xp, p.balance, p.day, p.today, p.last_paid_at, p.recent),
                        *(p.info, view, playbook.welcome, None, False),
                    )
                    fast = on_message.fn(ev, cfg, snap, now)
                    whole = _on_message(ev, cfg, snap, now)
                    assert fast == whole, (m.text, member, now)


# -- gates: the rule's answer without its loader ----------------------------------------------

ANSWER_VERIFICATION = """
community: {name: Gates}
welcome:
  enabled: true
  verification: {enabled: true, mode: answer, answer: "I agree"}
checkin:
  enabled: true
  keywords: [checkin, 签到, "#daily"]
points:
  enabled: true
"""


def _events() -> list[Any]:
    """The corpus's start (a join at each sender's first message), check-ins and near misses,
    edits and verification answers."""
    events: list[Any] = []
    seen: set[str] = set()
    texts = [m.text for m in CHAT] + [
        "checkin",
        " #checkin",
        "签到!",
        "checking",
        "I agree",
        "#daily",
    ]
    for n, text in enumerate(texts):
        sender = CHAT[n % len(CHAT)].sender if n < len(CHAT) else f"u{n % 7}"
        at = NOW + timedelta(seconds=7 * n)
        actor = Actor(user_id=sender, name=sender[:8])
        if sender not in seen:
            seen.add(sender)
            events.append(
                MemberJoined(platform="t", community_id="c", occurred_at=at, member=actor)
            )
        kind = MessageEdited if n % 97 == 5 else MessagePosted
        events.append(
            kind(
                platform="t",
                community_id="c",
                occurred_at=at,
                channel_id="general",
                message_id=f"m{n}",
                author=actor,
                text=text,
            )
        )
    return events


@pytest.mark.parametrize("playbook", ["default", "answer"])
async def test_the_gates_decide_as_the_rules_do(playbook, tmp_path):
    path = DEFAULT
    if playbook == "answer":
        path = tmp_path / "answer.yaml"
        path.write_text(ANSWER_VERIFICATION)
    runtimes = []
    for gates in (True, False):
        folder = tempfile.mkdtemp(dir=tmp_path)
        runtime = await build_runtime(
            db_url=f"sqlite:///{folder}/b.db", playbook=path, adapters={"t": RecordingAdapter()}
        )
        runtime.engine.gates = gates
        runtimes.append(runtime)
    gated, whole = runtimes
    try:
        asked = 0
        for event in _events():
            fast, slow = await gated.decide(event), await whole.decide(event)
            assert [(o.rule, o.decision, o.note) for o in fast] == [
                (o.rule, o.decision, o.note) for o in slow
            ], event
            asked += len(fast)
        assert asked > len(CHAT) * 3
    finally:
        for runtime in runtimes:
            await runtime.store.close()


# -- the events' quick __init__ ------------------------------------------------------------------


def test_events_are_built_as_their_dataclasses_promise():
    actor = Actor("u1", name="Ann", roles=("r",))
    assert actor == Actor(user_id="u1", name="Ann", roles=("r",))
    assert (actor.is_bot, actor.can_dm, Actor("u2").name) == (False, True, "")
    base = {"platform": "p", "community_id": "c", "occurred_at": NOW}
    message = MessagePosted(**base, channel_id="g", message_id="m", author=actor, text="hi")
    assert (message.key, message.reply_to, message.mentions, message.attachments) == (
        None,
        None,
        (),
        0,
    )
    assert dataclasses.replace(message, text="yo").text == "yo"
    assert message == MessagePosted(**base, channel_id="g", message_id="m", author=actor, text="hi")
    assert hash(message) == hash(dataclasses.replace(message))
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        MessagePosted("p", "c", NOW, channel_id="g", message_id="m", author=actor)  # type: ignore[misc]
    with pytest.raises(TypeError):
        MessagePosted(**base, channel_id="g", author=actor)  # type: ignore[call-arg]
    for kind, extra in (
        (MessagePosted, {"channel_id": "g", "message_id": "m", "author": actor}),
        (MessageEdited, {"channel_id": "g", "message_id": "m", "author": actor}),
        (MessageDeleted, {"channel_id": "g", "message_id": "m"}),
        (MemberJoined, {"member": actor}),
        (MemberLeft, {"member": actor}),
        (ReactionAdded, {"channel_id": "g", "message_id": "m", "user": actor, "emoji": "+"}),
        (CommandInvoked, {"command": "x", "actor": actor, "channel_id": "g"}),
        (ButtonPressed, {"channel_id": "g", "message_id": "m", "actor": actor, "custom_id": "b"}),
        (Tick, {}),
    ):
        assert kind(**base, **extra).occurred_at is NOW
        with pytest.raises(ValueError, match="timezone-aware"):  # the __post_init__ still runs
            kind(**{**base, "occurred_at": datetime(2026, 1, 1)}, **extra)
    command = CommandInvoked(**base, command="x", actor=actor, channel_id="g", args={"a": 1})
    other = CommandInvoked(**base, command="x", actor=actor, channel_id="g")
    assert dict(command.args) == {"a": 1} and dict(other.args) == {}
    with pytest.raises(TypeError):  # frozen into a read-only mapping
        command.args["a"] = 2  # type: ignore[index]


# -- the newcomer messages' dump ------------------------------------------------------------------

NEWCOMERS = """
community: {name: Makers}
welcome: {newcomer_window: 7d, greeting: "hi {member}"}
points:
  messages: {points: 10, cooldown: 60s, min_length: 3}
  newcomer_reply: {points: 20}
"""


async def test_newcomer_messages_and_helpers_survive_a_restart_as_the_old_dump_wrote_them(
    tmp_path,
):
    from rules.points.ledger import NEWCOMER_HELPED, NEWCOMER_MESSAGES
    from tests.harness import COMMUNITY, PLATFORM, BotHarness

    bot = await BotHarness.start(tmp_path, NEWCOMERS)
    try:
        await bot.join("newbie")
        await bot.say("newbie", "hi all, I am new here")  # m1
        await bot.say("newbie", "anyone around today?", at=timedelta(minutes=2))  # m2
        await bot.say("alice", "welcome!", reply_to="m1", at=timedelta(minutes=1))  # the bonus
        ref = await bot.runtime.store.community(PLATFORM, COMMUNITY)
        memory = bot.runtime.states.loaded(ref.id).memory
        before = (dict(memory[NEWCOMER_MESSAGES]), dict(memory[NEWCOMER_HELPED]))
        assert before == ({"m2": "newbie"}, {("newbie", "alice"): None})
        await bot.restart()
        saved = await bot.runtime.store.get_state(ref, NEWCOMER_MESSAGES)
        # the very JSON the list-of-lists dump wrote
        assert saved == {"messages": [["m2", "newbie"]], "helped": [["newbie", "alice"]]}
        await bot.say("carol", "hello", reply_to="m1", at=timedelta(minutes=1))
        await bot.say("alice", "hi again!", reply_to="m2", at=timedelta(minutes=1))  # a pair paid
        memory = bot.runtime.states.loaded(ref.id).memory
        assert dict(memory[NEWCOMER_HELPED]) == {("newbie", "alice"): None}
        balance = await points_q.balance_of(bot.runtime.store, ref, "alice")
        assert balance.xp == 10 + 20 + 10  # the bonus once, after the restart too
    finally:
        await bot.close()
