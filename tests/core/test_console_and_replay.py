"""The console chat and `qunbot replay`, driven the way an operator uses them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from adapters.console import PLATFORM, ConsoleAdapter, ConsoleSession
from bot.app import build_runtime
from bot.cli import build_app
from bot.clock import FakeClock
from bot.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def console(tmp_path: Path, db: str | None = None) -> tuple[ConsoleSession, list[str]]:
    out: list[str] = []
    clock = FakeClock(T0)
    runtime = await build_runtime(
        db_url=db or f"sqlite:///{tmp_path / 'c.db'}",
        playbook=ROOT / "playbooks/default.yaml",
        adapters={PLATFORM: ConsoleAdapter()},
    )
    return ConsoleSession(Simulation(runtime, clock.now()), clock, write=out.append), out


async def test_console_shows_greeting_dm_and_the_nudge_only_when_silent(tmp_path):
    session, out = await console(tmp_path)
    await session.handle_line("/join alice")
    await session.handle_line("/join bob")
    text = "\n".join(out)
    assert "Welcome to qunbot demo, alice!" in text and "send_direct → alice" in text
    assert "↳ welcome.join: alice joined" in text  # who, what and why
    await session.handle_line("/as bob")
    await session.handle_line("hello, I'm Bob")
    out.clear()
    await session.handle_line("/time +1d")
    nudges = [line for line in out if "tell us a little about yourself" in line]
    assert len(nudges) == 1 and "alice" in nudges[0]
    await session.runtime.store.close()


async def test_console_does_not_greet_twice_across_a_restart(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    session, out = await console(tmp_path, db)
    await session.handle_line("/join alice")
    await session.handle_line("/leave alice")
    await session.runtime.store.close()
    session, out = await console(tmp_path, db)
    await session.handle_line("/time +2h")
    out.clear()
    await session.handle_line("/join alice")
    assert not any("Welcome" in line for line in out)
    await session.runtime.store.close()


async def test_console_commands_and_permission_checks(tmp_path):
    session, out = await console(tmp_path)
    await session.handle_line("/explain free money")
    assert any("Only moderators can use /explain" in line for line in out)
    await session.handle_line("/as mia mod")
    out.clear()
    await session.handle_line("/explain free money")
    assert any("core.explain" in line for line in out)
    assert await session.handle_line("/quit") is False
    await session.runtime.store.close()


def write_events(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


WELCOME_ONLY = """
community: {name: qunbot demo}
welcome:
  greeting: "Welcome to {community}, {member}!"
  direct_message: "Rules, {member}."
  followups: [{after: 24h, text: "{member}, tell us a little about yourself?"}]
"""


def test_replay_prints_one_json_line_per_action(tmp_path):
    playbook = tmp_path / "p.yaml"
    playbook.write_text(WELCOME_ONLY, encoding="utf-8")
    events = write_events(
        tmp_path / "e.jsonl",
        [
            {"at": "2026-03-02T09:00:00Z", "type": "join", "user": "alice"},
            {"at": "2026-03-02T10:00:00Z", "type": "message", "user": "bob", "text": "hi"},
            {"at": "2026-03-02T11:00:00Z", "type": "leave", "user": "bob"},
        ],
    )
    result = CliRunner().invoke(
        build_app(), ["replay", str(events), "--drain", "2d", "--playbook", str(playbook)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(x["action"], x["rule"]) for x in lines] == [
        ("post", "welcome.join"),
        ("send_direct", "welcome.join"),
        ("post", "welcome.due"),
    ]
    assert lines[2]["at"] == "2026-03-03T09:00:00Z" and "alice" in lines[2]["text"]
    assert {"at", "action", "rule", "reason", "text"} <= set(lines[0])


def test_replay_reports_broken_lines_and_keeps_going(tmp_path):
    events = tmp_path / "e.jsonl"
    events.write_text(
        "not json\n"
        '{"at": "yesterday", "type": "join", "user": "x"}\n'
        '{"at": "2026-03-02T09:00:00Z", "type": "teleport", "user": "x"}\n'
        '{"at": "2026-03-02T09:00:00Z", "type": "message", "text": "no user"}\n'
        '{"at": "2026-03-02T09:00:00Z", "type": "message", "user": "big", "text": "'
        + "\\u0000spam "
        * 30000
        + '"}\n'
        '{"at": "2026-03-02T09:01:00Z", "type": "join", "user": "alice"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        build_app(), ["replay", str(events), "--playbook", str(ROOT / "playbooks/default.yaml")]
    )
    assert result.exit_code == 1, "skipped lines are a failure unless accepted"
    assert "--skip-bad" in result.output
    accepted = CliRunner().invoke(build_app(), ["replay", str(events), "--skip-bad"])
    assert accepted.exit_code == 0 and "4 lines skipped" in accepted.output
    assert "e.jsonl:1: not valid JSON" in result.output
    assert "e.jsonl:2:" in result.output and "ISO-8601" in result.output
    assert "e.jsonl:3:" in result.output and 'unknown "type"' in result.output
    assert "e.jsonl:4:" in result.output and 'needs "user"' in result.output
    assert "replayed 2 events" in result.output and "4 lines skipped" in result.output
    assert "Welcome to qunbot demo, alice!" in result.output


def test_replay_with_a_broken_playbook_names_the_line_without_a_traceback(tmp_path):
    events = write_events(
        tmp_path / "e.jsonl", [{"at": "2026-03-02T09:00:00Z", "type": "join", "user": "a"}]
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("welcome:\n  burst: {joins: 0}\n")
    result = CliRunner().invoke(build_app(), ["replay", str(events), "--playbook", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:2:" in result.output and "welcome.burst.joins" in result.output
    assert "Traceback" not in result.output


def test_replay_against_an_unreachable_database_says_what_to_do(tmp_path):
    events = write_events(
        tmp_path / "e.jsonl", [{"at": "2026-03-02T09:00:00Z", "type": "join", "user": "a"}]
    )
    result = CliRunner().invoke(
        build_app(), ["replay", str(events), "--db", "postgresql://x@127.0.0.1:1/none"]
    )
    assert result.exit_code == 2 and "cannot reach the database" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'up.db'}"
    runner = CliRunner()
    assert "empty" in runner.invoke(build_app(), ["db", "current", "--db", url]).output
    result = runner.invoke(build_app(), ["db", "upgrade", "--db", url])
    assert result.exit_code == 0 and "(newest)" in result.output
    assert "(newest)" in runner.invoke(build_app(), ["db", "current", "--db", url]).output


def test_time_moves_only_forward_in_the_console_clock():
    clock = FakeClock(T0)
    clock.advance(timedelta(days=1))
    assert clock.now() == T0 + timedelta(days=1)


def test_run_with_telegram_but_no_token_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'r.db'}'}}\n"
        f"playbook: {ROOT / 'playbooks/default.yaml'}\n"
        "adapters: {telegram: {enabled: true}}\n"
    )
    result = CliRunner().invoke(build_app(), ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN is empty" in result.output and "Traceback" not in result.output


def test_run_with_a_rejected_token_gives_one_readable_error(tmp_path, monkeypatch):
    """The adapter's start failure (here: Telegram refusing the token, via the Bot API double)
    ends `qunbot run` with the adapter's message and no traceback."""
    import bot.cli.serve as serve_mod
    from adapters.telegram import TelegramAdapter
    from tests.telegram.botapi_double import BotApiDouble

    api = BotApiDouble()
    api.reject_token()

    def build(cfg):
        return {"telegram": TelegramAdapter("123:bad", request=api, rate_limit=False)}

    monkeypatch.setattr(serve_mod, "build_adapters", build)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'r.db'}'}}\n"
        f"playbook: {ROOT / 'playbooks/default.yaml'}\n"
        "adapters: {telegram: {enabled: true}}\n"
    )
    result = CliRunner().invoke(build_app(), ["run", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "TELEGRAM_BOT_TOKEN was rejected by Telegram" in result.output
    assert "Traceback" not in result.output


async def test_a_command_of_a_disabled_capability_is_answered_not_ignored(tmp_path):
    from tests.harness import BotHarness

    bot = await BotHarness.start(tmp_path, "welcome: {greeting: hi}\n")
    bot.moderators.add("mia")
    await bot.command("mia", "warn", user="bob", reason="x")
    assert bot.texts("reply") == ["/warn is not enabled in this community."]
    await bot.close()


async def test_console_commands_on_a_message_know_its_author_and_text(tmp_path):
    session, out = await console(tmp_path)
    seen = []
    original = session.sim.feed

    async def spy(event):
        seen.append(event)
        return await original(event)

    session.sim.feed = spy
    await session.handle_line("/as sam")
    await session.handle_line("buy cheap followers")
    await session.handle_line("/as mia mod")
    await session.handle_line("/react c1")
    await session.handle_line("/on c1 /explain")
    reaction, command = seen[-2], seen[-1]
    assert reaction.message_author_id == "sam"
    assert command.target_user_id == "sam" and command.target_message_text == "buy cheap followers"
    await session.runtime.store.close()


async def test_a_mistyped_command_gets_a_did_you_mean(tmp_path):
    session, out = await console(tmp_path)
    await session.handle_line("/warnn alice")
    await session.handle_line("/joinn bob")
    await session.handle_line("/zzzz")
    assert "did you mean /warn?" in out[-3]
    assert "did you mean /join?" in out[-2]
    assert "did you mean" not in out[-1] and "unknown command /zzzz" in out[-1]
    await session.runtime.store.close()


async def test_the_readme_sample_is_what_the_console_prints(tmp_path):
    """The README's console sample, typed into a console: the same lines in the same order
    (calendar posts and the clock depend on the day, so they are left out of the comparison)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("```\nyou@#general> /join alice", 1)[1].split("```", 1)[0]
    sample = "you@#general> /join alice" + sample
    typed = [line.split("> ", 1)[1] for line in sample.splitlines() if line.startswith("you@")]
    assert typed == ["/join alice", "/time +1d"]
    dated = ("📚", "🔥", "calendar.post", "🕒")
    expected = [
        line
        for line in sample.splitlines()
        if line.strip() and not line.startswith("you@") and not any(d in line for d in dated)
    ]
    session, out = await console(tmp_path)
    for line in typed:
        await session.handle_line(line)
    printed = [p for chunk in out for p in chunk.splitlines() if p.strip()]
    at = 0
    for line in expected:
        assert line in printed[at:], f"README line not printed (in order): {line!r}\n{printed}"
        at = printed.index(line, at) + 1
    await session.runtime.store.close()
