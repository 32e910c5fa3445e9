"""Retention periods enforced by the daily pruning run (exactly once per local day, through
the claim every process shares), and `qunbot member export|forget` for operators."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import build_app
from bot.events import Tick
from bot.store.models import ActivityDaily, AuditEntry
from rules.moderation.models import ModerationCase, SpamSample
from tests.harness import BotHarness
from tests.privacy.scan import places_naming

PLAYBOOK = """
community: {name: Makers, timezone: UTC}
moderation: {}
antispam: {}
privacy:
  retention: {audit_texts: 10d, case_evidence: 20d, audit_log: 60d, activity: 90d,
              cases: 120d, spam_samples: forever}
"""
SPAM = "cheap followers, DM me now"


async def _counts(bot: BotHarness) -> dict[str, int]:
    async with bot.runtime.store.sessions() as s:

        async def n(*where: object, table: object = AuditEntry) -> int:
            return int(await s.scalar(select(func.count()).select_from(table).where(*where)))

        return {
            "audit": await n(),
            "audit_texts": await n(AuditEntry.text.is_not(None)),
            "activity": await n(table=ActivityDaily),
            "cases": await n(table=ModerationCase),
            "evidence": await n(ModerationCase.evidence.is_not(None), table=ModerationCase),
            "samples": await n(table=SpamSample),
        }


async def prune(bot: BotHarness, days: int) -> None:
    at = bot.now + timedelta(days=days)
    await bot.runtime.handle(
        Tick(platform="test", community_id="c1", occurred_at=at, job="privacy.prune")
    )


async def test_the_daily_run_prunes_each_kind_after_its_period_once_a_day(tmp_path: Path):
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    bot.moderators.add("mod")
    try:
        await bot.say("ann-4040", "hello")
        await bot.command("mod", "warn", user="ann-4040", reason="be nice")  # expires in 30d
        await bot.say("sam-9911", SPAM)
        await bot.command(
            "mod",
            "spam",
            target_message_id="m2",
            target_user_id="sam-9911",
            target_message_text=SPAM,
        )
        await bot.command("mod", "ban", user="sam-9911", reason="spam")  # a ban stays in force
        await bot.runtime.store.flush()
        before = await _counts(bot)
        assert before["evidence"] and before["audit_texts"] and before["samples"] == 1
        jobs = [job.id for job in await bot.runtime.jobs()]
        assert "test:c1:privacy.prune" in jobs  # on although the playbook has no job to add

        await prune(bot, 11)
        after = await _counts(bot)
        assert after["audit_texts"] == 0 and after["evidence"] == before["evidence"]
        assert after["audit"] == before["audit"]

        await bot.runtime.store.audit(
            await bot.runtime.store.community("test", "c1"),
            [{"at": bot.now, "rule": "x", "action": "post", "status": "executed", "text": "old"}],
        )
        await prune(bot, 11)  # the same day again: the claim is taken, nothing runs
        assert (await _counts(bot))["audit_texts"] == 1
        await prune(bot, 21)
        after = await _counts(bot)
        assert after["audit_texts"] == 0 and after["evidence"] == 0 and after["cases"] > 0

        await prune(bot, 130)
        after = await _counts(bot)
        assert after["audit"] == 0 and after["activity"] == 0
        # the expired warning goes; the bans in force stay; samples are kept forever
        async with bot.runtime.store.sessions() as s:
            kept = (await s.execute(select(ModerationCase.action))).scalars().all()
        assert kept and set(kept) == {"ban"} and after["samples"] == 1
    finally:
        await bot.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


async def _lea_was_warned(tmp_path: Path, db: str) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db)
    bot.moderators.add("mod")
    await bot.say("lea-3131", "hello")
    await bot.command("mod", "warn", user="lea-3131", reason="be nice")
    await bot.close()


async def _where_lea_is(tmp_path: Path, db: str) -> list[tuple[str, str, str]]:
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db)
    try:
        return await places_naming(bot.runtime.store, "lea-3131")
    finally:
        await bot.close()


def test_operators_export_and_forget_from_the_command_line(tmp_path: Path, runner):
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    asyncio.run(_lea_was_warned(tmp_path, db))
    app = build_app()

    out = tmp_path / "lea.json"
    done = runner.invoke(
        app, ["member", "export", "lea-3131", "-c", "test:c1", "--db", db, "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text())["data"]
    assert data["member"][0]["message_count"] == 1 and data["moderation_cases"]

    wrong = runner.invoke(
        app, ["member", "forget", "lea-3131", "-c", "test:nope", "--db", db, "-y"]
    )
    assert wrong.exit_code == 2 and "known: test:c1" in wrong.output
    refused = runner.invoke(
        app, ["member", "forget", "lea-3131", "-c", "test:c1", "--db", db], input="n\n"
    )
    assert refused.exit_code == 1
    done = runner.invoke(app, ["member", "forget", "lea-3131", "-c", "test:c1", "--db", db, "-y"])
    assert done.exit_code == 0, done.output
    assert "anon:" in done.output and "members deleted" in done.output

    assert asyncio.run(_where_lea_is(tmp_path, db)) == []
