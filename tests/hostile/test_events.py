"""Hostile events: ids and texts cleaned and bounded at the adapter boundary (one cleaner for
Telegram, Discord, the console and replay), replay lines read strictly, absurd command numbers
answered — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text as sql

from adapters.console import PLATFORM as CONSOLE
from adapters.console import ConsoleAdapter, ConsoleSession
from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from bot.clock import FakeClock
from bot.events import Actor, MessagePosted
from bot.replay import ReplayProblem, parse_event, read_events
from bot.sanitize import MAX_ID, MAX_TEXT, clean_event, clean_id, clean_name, clean_text
from bot.simulation import Simulation
from bot.store import Store
from tests.telegram.botapi_double import GROUP_ID, TOKEN, BotApiDouble, UpdateBuilder, user
from tests.telegram.conftest import MOD, NOW, OWNER

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log, moderator_roles: [moderator]}
welcome:
  greeting: "Welcome {member} to {community}!"
moderation: {}
points: {}
"""


def line(minute: int, **fields) -> str:
    return json.dumps({"at": f"2026-03-02T09:{minute:02d}:00Z", **fields})


# -- the cleaner ------------------------------------------------------------------------------


def test_texts_are_encodable_without_nul_and_keep_invisible_characters_for_anti_spam():
    cleaned = clean_text("a\x00b \ud800 c\u200b\u202e\n\tend\x07")
    cleaned.encode("utf-8")  # no lone surrogate left
    assert cleaned == "ab \ufffd c\u200b\u202e\n\tend"
    assert len(clean_text("x" * (MAX_TEXT + 5))) == MAX_TEXT


def test_long_or_broken_ids_fit_their_column_and_stay_distinct():
    a, b = clean_id("u" * 500 + "a"), clean_id("u" * 500 + "b")
    assert len(a) <= MAX_ID and len(b) <= MAX_ID and a != b
    assert clean_id("u" * 500 + "a") == a  # the same id maps the same way every time
    assert clean_id("123456789") == "123456789"  # platform ids pass untouched
    nul, plain = clean_id("bob\x00"), clean_id("bob")
    assert nul != plain and "\x00" not in nul
    clean_id("x\ud800").encode("utf-8")


def test_names_lose_bidi_controls_so_a_reply_is_not_flipped_around_them():
    assert clean_name("\u202eevil\u2066 name\u2069") == "evil name"
    assert clean_name("👨\u200d💻 dev") == "👨\u200d💻 dev"  # joiners of emoji stay


def test_clean_event_returns_the_same_event_when_nothing_is_wrong():
    event = MessagePosted(
        platform="telegram",
        community_id="-100",
        occurred_at=T0,
        channel_id="-100",
        message_id="7",
        author=Actor("42", "Nina"),
        text="hello",
    )
    assert clean_event(event) is event


# -- replay lines -----------------------------------------------------------------------------


def test_replay_reads_bot_false_as_false_and_refuses_what_is_not_a_flag():
    assert (
        parse_event(json.loads(line(0, type="join", user="a", bot="false"))).member.is_bot is False
    )
    assert parse_event(json.loads(line(0, type="join", user="a", bot=True))).member.is_bot is True
    ((_, problem),) = read_events([line(0, type="join", user="a", bot="maybe")])
    assert isinstance(problem, ReplayProblem) and '"bot" must be true or false' in problem.message


def test_replay_refuses_infinite_attachments_and_far_times_per_line():
    lines = [
        '{"at": "2026-03-02T09:00:00Z", "type": "message", "user": "a", "attachments": Infinity}',
        line(1, type="message", user="a", attachments=3),
        '{"at": "9999-12-31T23:00:00Z", "type": "message", "user": "a"}',
        "[" * 100_000,
    ]
    out = dict(read_events(lines))
    assert '"attachments" must be a whole number from 0 to 1000, not inf' in out[1].message
    assert out[2].attachments == 3
    assert '"at" must be between the years 2000 and 2199' in out[3].message
    assert isinstance(out[4], ReplayProblem)


HOSTILE_LINES = [
    line(0, type="join", user="alice"),
    line(1, type="join", user="bob\ud800"),
    line(2, type="message", user="alice", text="hi \ud800 there \u202e\u200b", reply_to="x" * 400),
    line(3, type="message", user="u" * 500, channel="c" * 300, message_id="m" * 300, text="id"),
    line(4, type="message", user="bob\ud800", text="NUL\x00inside" * 2000),
    line(5, type="command", user="mod", roles=["moderator"], command="warn",
         args={"user": "alice", "weight": 2**31, "reason": "x"}),
    line(6, type="command", user="mod", roles=["moderator"], command="timeout",
         args={"user": "alice", "duration": "99999999999999999999d"}),
    line(7, type="command", user="mod", roles=["moderator"], command="case",
         args={"number": 10**30}),
    line(8, type="command", user="mod", roles=["moderator"], command="warn",
         args={"user": "alice", "reason": "nul\x00byte \ud800"}),
    line(9, type="command", user="mod", roles=["moderator"], command="ban",
         args={"user": "alice", "delete_messages": "99999999999999999999d"}),
    line(10, type="command", user="mod", roles=["moderator"], command="purge",
         args={"count": -(2**70)}),
    line(11, type="reaction", user="u" * 500, message_id="m" * 300, emoji="🔥" * 300,
         target_user="alice"),
]  # fmt: skip


async def test_a_hostile_replay_runs_to_the_end_and_answers_every_absurd_number(tmp_path, db_url):
    from bot.cli.cmd_replay import replay_file

    events = tmp_path / "hostile.jsonl"
    events.write_text("\n".join(HOSTILE_LINES) + "\n", encoding="utf-8")
    playbook = tmp_path / "p.yaml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    out = io.StringIO()
    fed, printed, skipped = await replay_file(
        events, playbook, db_url, drain=_zero(), out=out.write
    )
    assert (fed, skipped) == (len(HOSTILE_LINES), 0)
    actions = [json.loads(row) for row in out.getvalue().splitlines()]
    said = [a["text"] for a in actions if a["action"] == "reply" and a.get("user") == "mod"]
    assert "weight must be a whole number from 1 to 100 (not 2147483648)" in said[0]
    assert "durations are at most 100 years" in said[1]
    assert "number must be a whole number from 1 to 2,147,483,647" in said[2]
    assert "#1 warn · alice · nulbyte \ufffd" in said[3]
    assert "durations are at most 100 years" in said[4]
    assert "count must be a whole number from 1 to 1,000" in said[5]
    store = await Store.open(db_url, migrate=False)  # what the replay left: one warning
    try:
        async with store.sessions() as s:
            reasons = (await s.execute(sql("SELECT reason FROM moderation_cases"))).scalars().all()
            longest = (await s.execute(sql("SELECT max(length(user_id)) FROM members"))).scalar()
        assert reasons == ["nulbyte \ufffd"] and longest <= MAX_ID
    finally:
        await store.close()


def _zero():
    from datetime import timedelta

    return timedelta(0)


# -- the console ------------------------------------------------------------------------------


async def test_console_answers_an_absurd_time_jump_and_goes_on(tmp_path):
    out: list[str] = []
    clock = FakeClock(T0)
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'c.db'}",
        playbook=ROOT / "playbooks/default.yaml",
        adapters={CONSOLE: ConsoleAdapter()},
    )
    session = ConsoleSession(Simulation(runtime, clock.now()), clock, write=out.append)
    try:
        for jump in ("/time +99999999999d", "/time +400d", "/time +-1d"):
            out.clear()
            assert await session.handle_line(jump)
            assert any("e.g. /time +1d" in row for row in out), out
        assert clock.now() == T0
        out.clear()
        await session.handle_line("/warn alice huge 99999999999999999999")
        assert any("must be a whole number" in row or "Only" in row for row in out), out
        out.clear()
        await session.handle_line("/time +1d")
        assert any("2026-03-03" in row for row in out)
    finally:
        await runtime.store.close()


# -- Telegram ---------------------------------------------------------------------------------


async def test_telegram_names_with_surrogates_and_bidi_controls_are_greeted_cleanly(tmp_path):
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    playbook = tmp_path / "p.yaml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'tg.db'}", playbook=playbook, adapters={"telegram": adapter}
    )
    await adapter.start(runtime.handle, runtime.commands)
    try:
        updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW)
        newcomer = user(42, "\u202eNina\ud800", username="nina")
        await adapter.feed(updates.chat_member(newcomer, old="left", new="member"))
        await adapter.feed(updates.message(newcomer, "hello\x00 \ud800" + "x" * 50_000))
        (greeting,) = [c["text"] for c in api.calls_to("sendMessage") if "Welcome" in c["text"]]
        assert greeting == "Welcome Nina\ufffd to Makers!"
        await runtime.store.flush()
        ref = await runtime.store.community("telegram", str(GROUP_ID))
        member = await runtime.store.member(ref, "42")
        assert member is not None and member.message_count == 1
    finally:
        await adapter.stop()
        await runtime.store.close()
