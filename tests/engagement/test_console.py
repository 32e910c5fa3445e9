"""Engagement in the console chat, as an operator tries the Chinese playbook by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.console import PLATFORM, ConsoleAdapter, ConsoleSession
from bot.app import build_runtime
from bot.clock import FakeClock
from bot.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai


async def test_console_checkins_across_local_midnight_rank_faq_and_shop(tmp_path):
    out: list[str] = []
    clock = FakeClock(T0)
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'c.db'}",
        playbook=ROOT / "playbooks/zh-learning.yaml",
        adapters={PLATFORM: ConsoleAdapter()},
    )
    session = ConsoleSession(Simulation(runtime, clock.now()), clock, write=out.append)
    await session.handle_line("/as alice")
    await session.handle_line("打卡 今天读完第一章")
    await session.handle_line("/time +90m")  # 00:30 local: a new day
    out.clear()
    await session.handle_line("打卡")
    await session.handle_line("/checkin")
    text = "\n".join(out)
    assert "连续 2 天" in text  # the zh playbook's own reply template
    assert "今天已经打过卡啦" in text
    out.clear()
    await session.handle_line("/rank")
    assert any("20/100" in line and "潜水" in line for line in out), out
    out.clear()
    await session.handle_line("/as bob")
    await session.handle_line("请问怎么报名呀？")
    await session.handle_line("我也想知道怎么报名")
    answers = [line for line in out if "报名链接在群公告里" in line]
    assert len(answers) == 1  # once per channel per cooldown
    out.clear()
    await session.handle_line("/redeem notes")
    assert any("300" in line for line in out), out  # not enough points: says the cost
    await runtime.store.close()
