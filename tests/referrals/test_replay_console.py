"""Referrals in a replay (joins carry "invite") and in the console (`/join NAME via INVITER`),
on the shipped playbooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from adapters.console import PLATFORM, ConsoleAdapter, ConsoleSession
from bot.app import build_runtime
from bot.cli import build_app
from bot.clock import FakeClock
from bot.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

PLAYBOOK = """
community: {name: Replay}
points: {messages: {enabled: false}}
referrals:
  rewards: {after: 7d, min_messages: 2, points: 25}
"""


def _line(at: str, kind: str, user: str, **extra: object) -> str:
    return json.dumps({"at": f"2026-03-{at}Z", "type": kind, "user": user, **extra})


def test_replay_pays_the_inviter_of_a_join_that_carries_the_invite_once(tmp_path):
    playbook = tmp_path / "p.yaml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    events = tmp_path / "e.jsonl"
    lines = [
        _line("02T09:00:00", "command", "alice", command="invite"),
        # the link as /invite printed it, and the same link by its code
        _line("02T10:00:00", "join", "bob", invite="https://invite.invalid/replay/alice"),
        _line("02T10:05:00", "join", "cara", invite="alice"),
        _line("02T10:06:00", "join", "dino", invite="https://t.me/+notours"),
        _line("02T11:00:00", "message", "bob", text="hi everyone"),
        _line("02T11:01:00", "message", "bob", text="glad to be here"),
        _line("02T11:02:00", "message", "cara", text="hello"),
        _line("02T11:03:00", "message", "cara", text="hello again"),
        _line("03T12:00:00", "leave", "cara"),
    ]
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    args = ["replay", str(events), "--drain", "8d", "--playbook", str(playbook), "--db", db]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    invite = next(x for x in out if x["action"] == "create_invite")
    assert "https://invite.invalid/replay/alice" in invite["text"]
    paid = [x for x in out if x["rule"] == "referrals.due" and x["action"] == "send_direct"]
    assert len(paid) == 1 and "bob" in paid[0]["text"] and "+25" in paid[0]["text"]
    # the same file again on the same database: nothing is paid twice
    again = CliRunner().invoke(build_app(), args)
    out = [json.loads(x) for x in again.stdout.splitlines() if x.startswith("{")]
    assert not [x for x in out if x["rule"] == "referrals.due" and x["action"] == "send_direct"]


async def test_console_join_via_an_inviter_and_the_leaderboard_in_chinese(tmp_path):
    out: list[str] = []
    clock = FakeClock(T0)
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'c.db'}",
        playbook=ROOT / "playbooks/zh-learning.yaml",
        adapters={PLATFORM: ConsoleAdapter()},
    )
    session = ConsoleSession(Simulation(runtime, clock.now()), clock, write=out.append)
    try:
        await session.handle_line("/as alice")
        await session.handle_line("大家好，我是 alice")
        await session.handle_line("/invite")
        assert any("你的专属邀请链接：https://invite.invalid/console/alice" in x for x in out)
        await session.handle_line("/join bob via alice")
        assert any("bob joined via https://invite.invalid/console/alice" in x for x in out)
        await session.handle_line("/as bob")
        for text in ("大家好，我是新来的 bob", "请问打卡怎么玩？", "谢谢大家的欢迎"):
            await session.handle_line(text)
        await session.handle_line("/time +8d")
        assert any("你邀请的 bob 已经留下来啦！+100 积分" in x for x in out)
        out.clear()
        await session.handle_line("/invites")
        board = "\n".join(out)
        assert "📨 邀请榜" in board and "1. alice — 1" in board
    finally:
        await runtime.store.close()
