"""A week of engagement through `qunbot replay` (the real CLI and pipeline on a simulated
clock): `replays/week.jsonl` says on each line what must happen at its time."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tests.antispam.test_replays import check, replay

REPLAYS = Path(__file__).parent / "replays"
PLAYBOOK = REPLAYS / "playbook.yaml"
WEEK = REPLAYS / "week.jsonl"


def at(action: dict) -> datetime:
    return datetime.fromisoformat(action["at"].replace("Z", "+00:00"))


def test_a_week_of_checkins_points_shop_faq_and_reactivation(tmp_path):
    actions = replay(WEEK, "--drain", "5d", playbook=PLAYBOOK)
    check(WEEK, actions)
    # the daily tier job promotes alice (100 XP, active on 2+ days) at 04:00 Shanghai time
    tiers = [a for a in actions if a["rule"] == "points.tiers"]
    assert [(a["action"], a.get("user")) for a in tiers] == [("post", None), ("add_role", "alice")]
    assert at(tiers[0]) == datetime.fromisoformat("2026-03-07T04:00:00+08:00")
    assert "Welcome to Active: alice" in tiers[0]["text"]
    # a member silent for 7 days is nudged once, by direct message, at a 10:00 sweep; five
    # more days of sweeps never contact anyone twice (alice falls silent on the 13th)
    nudges = [a for a in actions if a["rule"] == "reactivation.sweep"]
    assert sorted(a["user"] for a in nudges) == ["alice", "bob", "dave", "erin", "finn", "gail"]
    assert {a["action"] for a in nudges} == {"send_direct"}
    dave = next(a for a in nudges if a["user"] == "dave")
    assert at(dave) == datetime.fromisoformat("2026-03-10T10:00:00+08:00")


def test_replaying_the_same_week_again_does_nothing_and_pays_nothing_twice(tmp_path):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    first = replay(WEEK, "--db", db, playbook=PLAYBOOK)
    # every line was handled already (its key is recorded): nothing acts, pays or sells again
    assert replay(WEEK, "--db", db, playbook=PLAYBOOK) == []

    def ranks(actions: list[dict]) -> list[str]:
        return [a["text"] for a in actions if a["rule"] == "points.rank"]

    later = tmp_path / "later.jsonl"
    later.write_text(
        "".join(
            json.dumps(
                {
                    "at": "2026-03-06T16:33:00Z",
                    "type": "command",
                    "user": u,
                    "command": "rank",
                    "id": f"later-{u}",
                }
            )
            + "\n"
            for u in ("alice", "bob")
        ),  # fmt: skip
        encoding="utf-8",
    )
    again = replay(later, "--db", db, playbook=PLAYBOOK)
    bob = [t for t in ranks(again) if t.startswith("bob")]
    assert len(bob) == 1 and "30/100 XP" in bob[0]  # capped and paid once
    # alice's XP and balance are what the first run left (her tier moved up meanwhile)
    alice = [t.split(" · tier")[0] for t in ranks(again) if t.startswith("alice")]
    assert alice == [t.split(" · tier")[0] for t in ranks(first) if t.startswith("alice")]
    assert [t.split(" · ")[-1] for t in ranks(again) if t.startswith("alice")] == [
        "100 points to spend"
    ]
