"""The replay files in `replays/` run through `qunbot replay` (the real CLI and pipeline, on a
simulated clock). Each event line says what must happen at its time with "expect" (the action
kinds; [] for "nothing") and optionally "expect_rule", "expect_status" and "expect_text"."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import build_app

REPLAYS = Path(__file__).parent / "replays"
PLAYBOOK = REPLAYS / "playbook.yaml"


def replay(events: Path, *extra: str, playbook: Path = PLAYBOOK) -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        build_app(), ["replay", str(events), "--playbook", str(playbook), *extra]
    )
    assert result.exit_code == 0, result.output
    assert "lines skipped" not in result.output, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def expectations(events: Path) -> list[dict[str, Any]]:
    rows = [
        json.loads(line)
        for line in events.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    times = [row["at"] for row in rows]
    assert len(times) == len(set(times)), f"{events.name}: two lines at one time"
    return [row for row in rows if "expect" in row]


def check(events: Path, actions: list[dict[str, Any]]) -> None:
    """Every line's expectation against the actions the bot took at that line's time."""
    checked = expectations(events)
    assert checked, f"{events.name} expects nothing"
    for row in checked:
        at, what = row["at"], f"{events.name} at {row['at']} ({row.get('text', row['type'])!r})"
        mine = [a for a in actions if a["at"] == at]
        assert Counter(a["action"] for a in mine) == Counter(row["expect"]), (what, mine)
        if "expect_rule" in row:
            assert {a["rule"] for a in mine} == {row["expect_rule"]}, (what, mine)
        if "expect_status" in row:
            assert {a["status"] for a in mine} == {row["expect_status"]}, (what, mine)
        else:
            assert all(a["status"] == "executed" for a in mine), (what, mine)
        if "expect_text" in row:
            said = " ".join(f"{a['reason']} {a.get('text', '')}" for a in mine)
            assert row["expect_text"] in said, (what, mine)


TRIGGER_FILES = [
    "keywords.jsonl",
    "links.jsonl",
    "rates.jsonl",
    "content.jsonl",
    "newcomers.jsonl",
    "raid.jsonl",
    "edits.jsonl",
    "classifier.jsonl",
    "shadow.jsonl",
    "hostile.jsonl",
    "escalation.jsonl",
]


@pytest.mark.parametrize("name", TRIGGER_FILES)
def test_replay_file_fires_and_stays_quiet_where_it_says(name):
    events = REPLAYS / name
    check(events, replay(events, "--drain", "2h"))


def test_every_trigger_fires_somewhere_and_stays_quiet_somewhere():
    """The replay files cover each trigger both ways (the reason names the trigger)."""
    fired: set[str] = set()
    quiet_lines = 0
    for name in TRIGGER_FILES:
        for row in expectations(REPLAYS / name):
            fired.add(row.get("expect_text", "").split(":")[0].split(" ")[0])
            quiet_lines += not row["expect"]
    assert {
        "keyword", "denied", "invite", "regex", "flood", "duplicates", "mention", "caps",
        "emoji", "repeated", "newcomer", "Raid", "classifier",
    } <= fired  # fmt: skip
    assert quiet_lines >= 30


def test_ended_timeouts_are_lifted_and_raid_mode_ends_by_itself():
    actions = replay(REPLAYS / "escalation.jsonl", "--drain", "2h")
    lifted = [(a["at"], a["user"]) for a in actions if a["action"] == "remove_timeout"]
    assert lifted == [("2026-03-10T09:11:01Z", "bob")]  # 10 min after the second active warning
    raid = replay(REPLAYS / "raid.jsonl")
    off = [a for a in raid if "Raid mode off (quiet for 10m)" in a.get("text", "")]
    # the last surge was at 09:00:21: the check scheduled for the end of the quiet period ends it
    assert [a["at"] for a in off] == ["2026-03-02T09:10:21Z"]


def test_cases_and_timeouts_survive_a_restart(tmp_path):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    first, second = REPLAYS / "restart-1.jsonl", REPLAYS / "restart-2.jsonl"
    check(first, replay(first, "--db", db))
    after = replay(second, "--db", db, "--drain", "2h")
    check(second, after)
    lifted = [(a["at"], a["user"]) for a in after if a["action"] == "remove_timeout"]
    assert ("2026-03-02T10:00:01Z", "bob") in lifted  # the 1 h timeout set before the restart
    assert ("2026-03-02T09:40:31Z", "carol") in lifted


def test_a_hundred_thousand_character_message_is_judged(tmp_path):
    events = tmp_path / "huge.jsonl"
    huge = "加 微 信 " + "x" * 99_990
    events.write_text(
        json.dumps({"at": "2026-03-02T09:00:01Z", "type": "message", "user": "bob", "text": huge})
        + "\n"
        + json.dumps(
            {"at": "2026-03-02T09:00:02Z", "type": "message", "user": "eve", "text": "a " * 50_000}
        )  # fmt: skip
        + "\n",
        encoding="utf-8",
    )
    actions = replay(events)
    assert sorted(a["action"] for a in actions if a.get("user") == "bob") == [
        "delete_message", "reply", "warn"
    ]  # fmt: skip
    assert all(a.get("user") != "eve" and a["status"] == "executed" for a in actions)
