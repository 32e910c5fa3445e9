"""Hostile playbooks: `qunbot playbook check` answers each with a line-precise error naming file,
line and key, within a second, never a traceback; hot reload keeps the old playbook and the
watcher keeps watching."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import playbook_model
from bot.cli import build_app
from bot.playbook import PlaybookInvalid, PlaybookManager, load_playbook
from bot.playbook.limits import MAX_BYTES, MAX_DEPTH, MAX_ITEMS
from tests.harness import BotHarness


def billion_laughs() -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, 10):
        name, before = chr(ord("a") + i), chr(ord("a") + i - 1)
        text += f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
    return text


def keywords(count: int) -> str:
    words = ", ".join(f"w{i}" for i in range(count))
    return (
        "antispam:\n  rules:\n    - name: words\n      triggers:\n"
        f"        keywords: [{words}]\n      actions: {{delete: true}}\n"
    )


# (file text, expected "file:line:" prefix after the name, the key named, words of the message)
HOSTILE = {
    "flow_nesting": ("community:\n  name: " + "[" * 5000 + "]" * 5000 + "\n", 2, "community.name",
                     "nested more than"),
    "block_nesting": ("".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "x: 1\n",
                      MAX_DEPTH + 1, "k0.k1.k2", "nested more than"),
    "alias_bomb": (billion_laughs(), 6, "f[1]", "alias *e"),
    "huge_duration": ("moderation:\n  default_timeout: 99999999999999999999d\n", 2,
                      "moderation.default_timeout", "at most 100 years"),
    "ladder_duration": (
        "moderation:\n  warnings:\n    ladder:\n      - {warnings: 2, action: ban, "
        "duration: 9999999999999w}\n", 4, "moderation.warnings.ladder[0].duration",
        "at most 100 years"),
    "infinite_duration": ("moderation:\n  default_timeout: .inf\n", 2,
                          "moderation.default_timeout", "finite number"),
    "huge_number": ("points:\n  messages:\n    points: " + "9" * 5000 + "\n", 3,
                    "points.messages.points", "too large"),
    "long_list": (keywords(MAX_ITEMS + 1), 5, "antispam.rules[0].triggers.keywords",
                  f"more than {MAX_ITEMS:,} entries"),
    "million_keywords": (keywords(1_000_000), 5, "", f"at most {MAX_BYTES:,} are read"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_playbook_check_answers_a_hostile_file_within_a_second(tmp_path, name):
    text, line, key, words = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    app = build_app()
    playbook_model()  # imports and the schema are built once per process, not per check
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["playbook", "check", str(path)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"{name}.yaml:{line}:" in result.output, result.output
    assert key in result.output and words in result.output, result.output
    assert elapsed < 1.0, f"{name} took {elapsed:.2f}s"


def test_a_long_but_allowed_list_still_loads(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(keywords(MAX_ITEMS), encoding="utf-8")
    playbook = load_playbook(path, playbook_model())
    assert len(playbook.antispam.rules[0].triggers.keywords) == MAX_ITEMS


def test_aliases_of_reasonable_size_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(
        "community:\n  moderator_roles: &staff [Mods, Helpers]\n  admin_roles: *staff\n",
        encoding="utf-8",
    )
    assert load_playbook(path, playbook_model()).community.admin_roles == ["Mods", "Helpers"]


def test_the_shipped_playbooks_are_within_every_limit():
    root = Path(__file__).resolve().parents[2] / "playbooks"
    for name in ("default.yaml", "zh-learning.yaml"):
        load_playbook(root / name, playbook_model())


# -- hot reload --------------------------------------------------------------------------------


def _manager(tmp_path: Path, text: str = "welcome: {greeting: 'first {member}'}\n"):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path, PlaybookManager(path, playbook_model())


async def test_a_reload_checks_off_the_event_loop(tmp_path, monkeypatch):
    path, manager = _manager(tmp_path)
    real = manager._check

    def slow_check():
        time.sleep(0.6)  # a slow disk or a big file: blocks this worker thread only
        return real()

    monkeypatch.setattr(manager, "_check", slow_check)
    path.write_text("welcome: {greeting: 'second {member}'}\n", encoding="utf-8")
    ticks = 0

    async def heartbeat():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    result = await manager.reload_async()
    beat.cancel()
    assert result.ok and manager.current.welcome.greeting == "second {member}"
    assert ticks >= 5, "the event loop was blocked while the playbook was checked"


async def test_a_reload_past_its_time_budget_keeps_the_running_playbook(tmp_path, monkeypatch):
    path, manager = _manager(tmp_path)
    manager.budget = 0.2
    real = manager._check
    monkeypatch.setattr(manager, "_check", lambda: (time.sleep(1.0), real())[1])
    path.write_text("welcome: {greeting: 'second {member}'}\n", encoding="utf-8")
    result = await manager.reload_async()
    assert not result.ok and "longer than 0.2s" in result.message
    assert manager.current.welcome.greeting == "first {member}"


async def test_the_watcher_survives_hostile_edits_and_applies_the_next_valid_one(
    tmp_path, monkeypatch
):
    path, manager = _manager(tmp_path)
    seen: list[tuple[bool, str]] = []
    done = asyncio.Event()
    crash_once = {"armed": True}

    def on_reload(result):
        seen.append((result.ok, result.message))
        if crash_once.pop("armed", False):
            raise RuntimeError("a callback with a bug")
        if result.ok:
            done.set()

    def load(*args):  # an error nobody foresaw, the first time only
        if not seen:
            raise RecursionError("maximum recursion depth exceeded")
        return load_playbook(*args)

    monkeypatch.setattr("bot.playbook.manager.load_playbook", load)
    stop = asyncio.Event()
    task = asyncio.create_task(manager.watch(on_reload, stop))
    try:
        await asyncio.sleep(0.5)
        for text in (
            "welcome: {greeting: 'x'}\n",  # the unforeseen error
            billion_laughs(),
            "community:\n  name: " + "[" * 3000 + "\n",
            "moderation:\n  default_timeout: 99999999999999999999d\n",
        ):
            count = len(seen)
            path.write_text(text, encoding="utf-8")
            for _ in range(100):
                if len(seen) > count:
                    break
                await asyncio.sleep(0.05)
            assert len(seen) > count, "the watcher stopped reacting"
            assert manager.current.welcome.greeting == "first {member}"
        path.write_text("welcome: {greeting: 'fixed {member}'}\n", encoding="utf-8")
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert manager.current.welcome.greeting == "fixed {member}"
    assert [ok for ok, _ in seen] == [False, False, False, False, True]
    assert "alias *e" in seen[1][1] and "nested more than" in seen[2][1]


def test_recursion_inside_the_loader_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    path, manager = _manager(tmp_path)

    def boom(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("bot.playbook.manager.load_playbook", boom)
    result = manager.reload()
    assert not result.ok and "could not be checked" in result.message
    assert manager.current.welcome.greeting == "first {member}"


async def test_an_admin_reloading_an_alias_bomb_is_told_and_the_bot_keeps_running(tmp_path):
    bot = await BotHarness.start(tmp_path, "welcome: {greeting: 'hi {member}'}\n")
    try:
        bot.playbook.write_text(billion_laughs(), encoding="utf-8")
        started = time.perf_counter()
        await bot.emit(_admin_command(bot, "playbook", action="reload"))
        assert time.perf_counter() - started < 1.0
        (answer,) = bot.texts()
        assert "old one keeps running" in answer and "playbook.yaml:6:" in answer
        bot.clear()
        await bot.join("alice")
        assert any("hi alice" in text for text in bot.texts())
    finally:
        await bot.close()


def _admin_command(bot: BotHarness, name: str, **args):
    from bot.events import Actor, CommandInvoked

    return CommandInvoked(
        platform="test",
        community_id="c1",
        occurred_at=bot.now,
        command=name,
        actor=Actor("root", "root", is_moderator=True, is_admin=True),
        channel_id="general",
        args=args,
        message_id="cmd-1",
    )


def test_a_parse_failure_deep_inside_is_located(tmp_path):
    with pytest.raises(PlaybookInvalid) as info:
        load_playbook(_write(tmp_path, "points:\n  messages:\n    daily_cap: .nan\n"),
                      playbook_model())  # fmt: skip
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (3, "points.messages.daily_cap")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pb.yaml"
    path.write_text(text, encoding="utf-8")
    return path
