"""The health score tells the truth on small data, and spam is not activity: driven through
the whole pipeline (the shipped playbook's anti-spam deletes and warns), then `qunbot report`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from bot.cli import build_app
from bot.shipped import DEFAULT_PLAYBOOK
from tests.harness import BotHarness

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def report_json(db_url: str, language: str = "en") -> dict:
    result = CliRunner().invoke(
        build_app(),
        [
            "report",
            "--db",
            db_url,
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
            "-f",
            "json",
            "--language",
            language,
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def tiny_week_with_a_spammer(tmp_path) -> BotHarness:
    bot = await BotHarness.start(tmp_path, playbook=DEFAULT_PLAYBOOK, start=MONDAY)
    for name in ("alice", "bob", "spammer"):
        await bot.join(name)
    at = MONDAY + timedelta(hours=1)
    await bot.say("alice", "hello everyone", at=at)
    await bot.say("bob", "hi alice", at=at + timedelta(minutes=1))
    for i in range(3):
        await bot.say(
            "spammer", f"join my server discord.gg/free{i}", at=at + timedelta(days=1, minutes=i)
        )
    await bot.close()
    return bot


def test_a_tiny_week_with_a_spammer_is_not_graded_and_the_spammer_is_no_contributor(tmp_path):
    bot = asyncio.run(tiny_week_with_a_spammer(tmp_path))
    assert [a.kind for a in bot.actions_for("spammer")].count("delete_message") == 3

    data = report_json(bot.db_url)
    metrics = data["current"]["metrics"]
    assert metrics["total_messages"] == 2  # the 3 deleted ads are not activity
    assert [c["user_id"] for c in data["current"]["top_contributors"]] == ["alice", "bob"]
    score = data["score"]
    assert score["total"] is None and score["grade"] == "not_enough_data"
    assert "2 messages, at least 50 needed" in score["missing"]
    # the raw values stay visible beside the (absent) points
    assert any(i["value"] is not None for i in score["indicators"])

    zh = report_json(bot.db_url, "zh")
    assert "消息 2 条，至少需要 50 条" in zh["score"]["missing"]


async def busy_week(tmp_path) -> BotHarness:
    bot = await BotHarness.start(tmp_path, playbook=DEFAULT_PLAYBOOK, start=MONDAY)
    names = [f"m{i}" for i in range(6)]
    for name in names:
        await bot.join(name)
    for day in range(7):
        for n, name in enumerate(names):
            at = MONDAY + timedelta(days=day, hours=1 + n)
            await bot.say(name, f"day {day} thoughts from {name}", at=at)
            await bot.say(name, f"and a follow-up on {day}", at=at + timedelta(minutes=5))
    await bot.close()
    return bot


def test_a_real_week_is_graded_with_each_value_beside_its_points(tmp_path):
    bot = asyncio.run(busy_week(tmp_path))
    result = CliRunner().invoke(
        build_app(),
        ["report", "--db", bot.db_url, "--from", "2026-03-02", "--to", "2026-03-08"],
    )
    assert result.exit_code == 0, result.output
    assert "Health score: **" in result.stdout
    breakdown = result.stdout.split("### Score breakdown", 1)[1]
    # Indicator | Value | Good at | Points: e.g. "| Participation | 100.0% | 30.0% | 11.8 / 11.8 |"
    row = next(line for line in breakdown.splitlines() if line.startswith("| Participation"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "100.0%" and " / " in cells[3]
