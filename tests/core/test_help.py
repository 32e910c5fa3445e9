"""`/help` on the console (and, through the same runtime, every platform): the commands the
asking member may use, in the playbook's language; `/help CMD` explains one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.console import PLATFORM, ConsoleAdapter, ConsoleSession
from bot.app import build_runtime
from bot.clock import FakeClock
from bot.simulation import Simulation

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def console(tmp_path: Path, playbook: str) -> tuple[ConsoleSession, list[str]]:
    out: list[str] = []
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'c.db'}",
        playbook=ROOT / playbook,
        adapters={PLATFORM: ConsoleAdapter()},
    )
    clock = FakeClock(T0)
    return ConsoleSession(Simulation(runtime, clock.now()), clock, write=out.append), out


async def test_a_member_sees_member_commands_and_a_moderator_theirs(tmp_path):
    session, out = await console(tmp_path, "playbooks/default.yaml")
    await session.handle_line("/as alice")
    out.clear()
    await session.handle_line("/help")
    text = "\n".join(out)
    assert "/as NAME" in text  # the console's own controls come first
    assert "Commands you can use" in text
    assert "/checkin — Check in for today" in text and "/help — " in text
    assert "/ban — " not in text and "/purge — " not in text and "/playbook — " not in text

    await session.handle_line("/as mia mod")
    out.clear()
    await session.handle_line("/help")
    text = "\n".join(out)
    assert "/ban — " in text and "/purge — " in text and "/checkin — " in text
    assert "/playbook — " not in text  # for admins only
    await session.runtime.store.close()


async def test_help_explains_one_command_and_names_who_may_use_it(tmp_path):
    session, out = await console(tmp_path, "playbooks/default.yaml")
    await session.handle_line("/as mia mod")
    out.clear()
    await session.handle_line("/help warn")
    text = "\n".join(out)
    assert "/warn [user] [reason] [weight]" in text and "Only for moderators." in text
    assert "/as NAME" not in text  # one command, not the whole page
    await session.handle_line("/as alice")
    out.clear()
    await session.handle_line("/help ban")
    assert "There is no /ban you can use here" in "\n".join(out)
    await session.runtime.store.close()


async def test_help_speaks_the_playbook_language(tmp_path):
    session, out = await console(tmp_path, "playbooks/zh-learning.yaml")
    await session.handle_line("/as 小明")
    out.clear()
    await session.handle_line("/help")
    text = "\n".join(out)
    assert "你可以使用的命令" in text and "/checkin — 今日打卡" in text
    assert "/ban — " not in text
    await session.runtime.store.close()


def test_every_shipped_command_is_described_in_chinese_too():
    import rules
    from bot.engine import Engine
    from bot.help import HELP_TEXTS
    from bot.runtime import CORE_COMMANDS

    commands = Engine(rules.discover(), CORE_COMMANDS).commands
    missing = [name for name in commands if f"help.{name}" not in HELP_TEXTS["zh"]]
    assert missing == [], "a Chinese community's /help would show these in English"
