"""`qunbot report` and `qunbot demo` as an operator runs them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import cmd_demo, cmd_report
from tests.harness import BotHarness

PLAYBOOK = """
community: {name: Makers, timezone: Asia/Shanghai}
report: {output_dir: "%s"}
"""
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def app_with(*modules: object) -> typer.Typer:
    app = typer.Typer()
    for module in modules:
        module.register(app)  # type: ignore[attr-defined]

    @app.command("noop", hidden=True)
    def noop() -> None:  # with one command only, typer would drop the subcommand name
        return None

    return app


@pytest.fixture
async def small_db(tmp_path: Path) -> tuple[str, Path]:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(PLAYBOOK % (tmp_path / "charts"), encoding="utf-8")
    bot = await BotHarness.start(tmp_path, playbook=playbook, start=MONDAY)
    await bot.join("alice")
    await bot.join("bob", at=MONDAY + timedelta(days=1))
    for day in range(7):
        await bot.say("alice", "hi", at=MONDAY + timedelta(days=day, hours=2))
    await bot.say("bob", "hello", at=MONDAY + timedelta(days=3, hours=5))
    await bot.leave("bob", at=MONDAY + timedelta(days=5))
    await bot.close()
    return bot.db_url, playbook


def test_report_json_for_a_given_period(small_db, tmp_path):
    db_url, playbook = small_db
    result = CliRunner().invoke(
        app_with(cmd_report),
        [
            "report",
            "--db",
            db_url,
            "--playbook",
            str(playbook),
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    current = data["current"]
    assert current["community"] == "Makers"
    assert current["period"] == {
        "start": "2026-03-02",
        "end": "2026-03-08",
        "days": 7,
        "timezone": "Asia/Shanghai",
        "coverage": "complete",
    }
    assert current["metrics"]["total_messages"] == 8
    assert current["metrics"]["joins"] == 2
    assert current["metrics"]["leaves"] == 1
    assert current["metrics"]["active_members"] == 2
    assert current["messages_per_day"] == [1, 1, 1, 2, 1, 1, 1]
    # 8 messages from 2 members is too little to grade: the report says what is missing
    assert data["score"]["total"] is None
    assert data["score"]["grade"] == "not_enough_data"
    assert data["score"]["missing"] == [
        "8 messages, at least 50 needed",
        "1 member, at least 5 needed",  # bob left
        "2 members posted, at least 3 needed",
    ]


def test_report_png_and_html_write_files(small_db, tmp_path):
    db_url, playbook = small_db
    out = tmp_path / "out"
    for fmt in ("png", "html"):
        result = CliRunner().invoke(
            app_with(cmd_report),
            [
                "report",
                "--db",
                db_url,
                "--playbook",
                str(playbook),
                "--from",
                "2026-03-02",
                "--to",
                "2026-03-08",
                "--format",
                fmt,
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
    assert (out / "activity.png").read_bytes().startswith(b"\x89PNG")
    assert "data:image/png;base64," in (out / "report.html").read_text(encoding="utf-8")


def test_report_refuses_a_backwards_period_with_a_clear_message(small_db):
    db_url, playbook = small_db
    result = CliRunner().invoke(
        app_with(cmd_report),
        [
            "report",
            "--db",
            db_url,
            "--playbook",
            str(playbook),
            "--from",
            "2026-03-08",
            "--to",
            "2026-03-02",
        ],
    )
    assert result.exit_code == 2
    assert "before --from" in result.output


def test_demo_one_week_replays_the_corpus_and_ends_with_the_report(tmp_path):
    # a quiet week of the corpus keeps this test at a few seconds
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app_with(cmd_demo),
        [
            "demo",
            "--weeks",
            "1",
            "--start",
            "2018-11-12",
            "--out",
            str(out),
            "--playbook",
            "playbooks/default.yaml",
        ],
    )
    assert result.exit_code == 0, result.output
    replayed = re.search(r"Replayed ([\d,]+) messages and ([\d,]+) joins", result.output)
    assert replayed, result.output
    messages, joins = (int(n.replace(",", "")) for n in replayed.groups())
    assert messages > 1000 and joins > 5
    # the welcome SOP greeted the synthesised joins: one direct message per newcomer
    # every newcomer got the welcome DM (reactivation nudges may add more)
    dms = re.search(r"send_direct\s*│\s*(\d+)", result.output)
    assert dms and int(dms.group(1)) >= joins, result.output
    assert re.search(r"welcome\.join\s*│\s*\d", result.output)
    assert re.search(r"report\.weekly\s*│\s*\d", result.output)
    assert "Community health report" in result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    # messages removed as spam (and those of members punished for spam) are not activity
    spam = report["current"]["moderation"]["spam_removed"]
    total = report["current"]["metrics"]["total_messages"]
    assert total <= messages - spam and total > 0.95 * messages
    assert report["current"]["metrics"]["joins"] == joins
    assert (out / "heatmap.png").is_file()
    assert list((out / "weekly").rglob("*.png"))  # the charts the weekly post uploaded
