"""Playbook loading: errors point at file, line, column and key; reload never breaks the bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import playbook_model
from bot.playbook import PlaybookInvalid, PlaybookManager, load_playbook, parse_playbook
from bot.templates import Template, TemplateError, check_template

ROOT = Path(__file__).resolve().parents[2]


def problems(text: str) -> list[str]:
    with pytest.raises(PlaybookInvalid) as info:
        parse_playbook(text, playbook_model(), "pb.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("name", ["default.yaml", "zh-learning.yaml"])
def test_shipped_playbooks_are_valid(name):
    playbook = load_playbook(ROOT / "playbooks" / name, playbook_model())
    assert playbook.welcome.enabled


def test_chinese_playbook_speaks_chinese():
    playbook = load_playbook(ROOT / "playbooks" / "zh-learning.yaml", playbook_model())
    assert playbook.community.language == "zh"
    assert "欢迎" in playbook.welcome.greeting.render(member="小明", community="学习群")


def test_misspelled_key_names_line_column_and_suggests_the_right_one():
    found = problems("welcome:\n  greting: hi\n")
    assert found[0].startswith("pb.yaml:2:3: welcome.greting: unknown key 'greting'")
    assert "did you mean 'greeting'" in found[0]


def test_bad_value_names_its_line_and_what_was_expected():
    found = problems("welcome:\n  followups:\n    - after: soon\n      text: hi\n")
    assert found == [
        "pb.yaml:3:14: welcome.followups[0].after: expected a duration such as "
        "'10m', '2h' or '1d', got 'soon'"
    ]


def test_negative_duration_and_unknown_timezone_are_refused():
    found = problems("community: {timezone: Mars/Olympus}\nwelcome: {regreet_after: -5}\n")
    assert any("community.timezone" in p and "unknown timezone" in p for p in found)
    assert any("welcome.regreet_after" in p and "cannot be negative" in p for p in found)


def test_yaml_syntax_error_points_at_the_line():
    found = problems("welcome:\n  greeting: [unclosed\n  channel: x\n")
    assert found[0].startswith("pb.yaml:") and "YAML syntax error" in found[0]


def test_duplicate_keys_are_reported_not_silently_overwritten():
    found = problems("welcome:\n  greeting: a\n  greeting: b\n")
    assert "appears twice (first on line 2)" in found[0] and found[0].startswith("pb.yaml:3:")


def test_templates_refuse_attribute_access_and_code():
    for bad in ("{member.__class__}", "{member[0]}", "{member!r}", "{0}", "{}"):
        with pytest.raises(TemplateError):
            check_template(bad)
    assert Template("Hi {member}, {unknown} {{x}}").render(member="Ann") == "Hi Ann, {unknown} {x}"
    found = problems('welcome:\n  greeting: "Hi {member.__init__}"\n')
    assert "pb.yaml:2:13: welcome.greeting" in found[0] and "not allowed" in found[0]


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(PlaybookInvalid, match="file not found.*playbooks/default.yaml"):
        load_playbook(tmp_path / "nope.yaml", playbook_model())


def test_invalid_reload_keeps_the_running_playbook(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("welcome: {greeting: 'first {member}'}\n")
    manager = PlaybookManager(path, playbook_model())
    path.write_text("welcome: {greeting: 'second {member}', bogus: 1}\n")
    result = manager.reload()
    assert not result.ok and "p.yaml:1:" in result.message and "bogus" in result.message
    assert manager.current.welcome.greeting == "first {member}"
    path.write_text("welcome: {greeting: 'third {member}'}\n")
    assert manager.reload().ok and manager.current.welcome.greeting == "third {member}"


async def test_file_change_is_picked_up_by_the_watcher(tmp_path):
    import asyncio

    path = tmp_path / "p.yaml"
    path.write_text("welcome: {greeting: 'one'}\n")
    manager = PlaybookManager(path, playbook_model())
    stop = asyncio.Event()
    seen: list[bool] = []

    def on_reload(result):
        seen.append(result.ok)
        stop.set()

    task = asyncio.create_task(manager.watch(on_reload, stop))
    await asyncio.sleep(0.5)
    path.write_text("welcome: {greeting: 'two'}\n")
    await asyncio.wait_for(task, timeout=10)
    assert seen == [True] and manager.current.welcome.greeting == "two"


async def test_a_bad_edit_is_told_once_by_whoever_watches(tmp_path, caplog):
    """The console prints the watcher's result; the manager must not log it a second time."""
    import asyncio

    path = tmp_path / "p.yaml"
    path.write_text("welcome: {greeting: 'one'}\n")
    manager = PlaybookManager(path, playbook_model())
    stop = asyncio.Event()
    told: list[str] = []

    def on_reload(result):
        told.append(result.message)
        stop.set()

    task = asyncio.create_task(manager.watch(on_reload, stop))
    await asyncio.sleep(0.5)
    path.write_text("welcome: {greting: 'two'}\n")
    await asyncio.wait_for(task, timeout=10)
    assert len(told) == 1 and "welcome.greting" in told[0]
    assert not [r for r in caplog.records if "greting" in r.getMessage()]
    assert manager.current.welcome.greeting == "one"
    caplog.clear()
    manager.reload()  # without a watcher's callback the failure is logged, once
    assert len([r for r in caplog.records if "greting" in r.getMessage()]) == 1


def test_cli_check_reports_problems_and_exit_code(tmp_path):
    from typer.testing import CliRunner

    from bot.cli import build_app

    app = build_app()
    bad = tmp_path / "bad.yaml"
    bad.write_text("welcome:\n  greting: hi\n")
    result = CliRunner().invoke(
        app, ["playbook", "check", str(ROOT / "playbooks/default.yaml"), str(bad)]
    )
    assert result.exit_code == 1
    assert "✓" in result.output and "bad.yaml:2:3: welcome.greting" in result.output
