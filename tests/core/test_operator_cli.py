"""The CLI an operator meets first: sessions of their own, quiet and clear starts, and
commands that refuse what they cannot do instead of doing something else."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import build_app


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def console(*args: str, lines: str) -> str:
    result = CliRunner().invoke(build_app(), ["console", *args], input=lines)
    assert result.exit_code == 0, result.output
    return result.output


def shown_day(output: str) -> str:
    return re.findall(r"🕒 (\d{4}-\d{2}-\d{2})", output)[-1]


def test_each_playbook_has_its_own_console_session_and_its_clock_resumes(here):
    first = console(lines="/join alice\n/time +3d\n/quit\n")
    expected = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    assert shown_day(first) == expected
    assert (here / "data" / "console-default.db").is_file()

    # a restart carries on in the simulated future, with the same members
    again = console(lines="/time\n/cases alice\n/quit\n")
    assert shown_day(again) == expected

    # the Chinese playbook's session is another database: no alice, today's date
    zh = console("--playbook", "zh-learning", lines="/time\n/quit\n")
    assert (here / "data" / "console-zh-learning.db").is_file()
    assert shown_day(zh) in {
        (datetime.now(UTC) + timedelta(hours=h)).date().isoformat() for h in (0, 8)
    }

    # --fresh starts empty: the clock is back to real time
    fresh = console("--fresh", lines="/time\n/quit\n")
    assert shown_day(fresh) == datetime.now(UTC).date().isoformat()


def test_fresh_refuses_a_database_it_cannot_delete(here):
    result = CliRunner().invoke(
        build_app(), ["console", "--fresh", "--db", "postgresql://x@127.0.0.1/none"]
    )
    assert result.exit_code == 2 and "not one" in result.output


def test_run_with_no_platform_enabled_says_so_and_exits_2(here):
    config = here / "config.yaml"
    config.write_text("adapters: {discord: {enabled: false}}\n")
    result = CliRunner().invoke(build_app(), ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "enables no platform" in result.output and "qunbot console" in result.output


def test_every_missing_token_is_named_at_once(here, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = here / "config.yaml"
    config.write_text("adapters: {discord: {enabled: true}, telegram: {enabled: true}}\n")
    result = CliRunner().invoke(build_app(), ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "DISCORD_TOKEN" in result.output and "TELEGRAM_BOT_TOKEN" in result.output


def test_library_info_logs_are_off_unless_verbose(here):
    import logging

    from bot.cli.common import configure_logging

    configure_logging()
    assert not logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)
    configure_logging(verbose=True)
    assert logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)
    configure_logging()


def test_report_refuses_days_after_today_unless_simulated(here):
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    db = f"sqlite:///{here / 'r.db'}"
    console("--db", db, lines="/join alice\nhello\n/quit\n")
    refused = CliRunner().invoke(build_app(), ["report", "--db", db, "--to", tomorrow])
    assert refused.exit_code == 2 and "after today" in refused.output
    assert "--simulated" in refused.output
    allowed = CliRunner().invoke(
        build_app(), ["report", "--db", db, "--to", tomorrow, "--simulated", "-f", "json"]
    )
    assert allowed.exit_code == 0, allowed.output
    period = json.loads(allowed.stdout)["current"]["period"]
    assert period["end"] == tomorrow and period["coverage"] == "complete"


def test_formats_that_write_files_ask_where(here):
    result = CliRunner().invoke(build_app(), ["report", "-f", "png"])
    assert result.exit_code == 2 and "--out" in result.output
    assert not (here / "reports").exists()


def test_init_writes_a_playbook_and_config_that_work(here):
    result = CliRunner().invoke(build_app(), ["init", "bot", "--language", "zh"])
    assert result.exit_code == 0, result.output
    assert "qunbot run --config bot/config.yaml" in result.output
    assert "社群" in (here / "bot" / "playbook.yaml").read_text(encoding="utf-8")
    assert "剧本" in (here / "bot" / "config.yaml").read_text(encoding="utf-8")
    check = CliRunner().invoke(build_app(), ["playbook", "check", "bot/playbook.yaml"])
    assert check.exit_code == 0, check.output
    # the config's playbook path is relative to the config: `run` finds it from elsewhere
    run = CliRunner().invoke(build_app(), ["run", "--config", "bot/config.yaml"])
    assert run.exit_code == 2 and "enables no platform" in run.output
    again = CliRunner().invoke(build_app(), ["init", "bot"])
    assert again.exit_code == 2 and "--force" in again.output
