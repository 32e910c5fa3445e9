"""The pruning run reads first, in one statement, which kinds have anything older than their
period (`_prunable`), and runs only those kinds' statements: that read must agree with the
statements' own conditions, and a run with nothing to prune must write nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.store import privacy as q
from bot.store.models import ActivityDaily, ActivityHourly, AuditEntry, MembershipEvent
from rules.moderation.models import ModerationCase as C
from rules.moderation.models import SpamSample
from tests.harness import BotHarness
from tests.privacy.test_retention_and_cli import PLAYBOOK, SPAM

PERIODS = {
    "audit_log": timedelta(days=60), "audit_texts": timedelta(days=10),
    "activity": timedelta(days=90), "cases": timedelta(days=120),
    "case_evidence": timedelta(days=20), "spam_samples": timedelta(days=30),
}  # fmt: skip


async def test_the_prunable_read_agrees_with_the_statements_and_skips_empty_runs(
    tmp_path: Path, db_url: str
) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    bot.moderators.add("mod")
    store = bot.runtime.store
    try:
        await bot.say("ann-4040", "hello")
        await bot.command("mod", "warn", user="ann-4040", reason="be nice")
        await bot.say("sam-9911", SPAM)
        await bot.command(
            "mod", "spam", target_message_id="m2", target_user_id="sam-9911",
            target_message_text=SPAM,
        )  # fmt: skip
        await store.flush()
        ref = await store.community("test", "c1")

        async def some(table: object, *where: object) -> bool:
            async with store.sessions() as s:
                n = await s.scalar(select(func.count()).select_from(table).where(*where))
            return bool(n)

        for days in (0, 5, 11, 21, 31, 61, 91, 121):
            now = bot.now + timedelta(days=days)
            at = {k: now - p for k, p in PERIODS.items()}
            expected = {
                "audit_log": await some(AuditEntry, AuditEntry.at < at["audit_log"]),
                "audit_texts": await some(
                    AuditEntry, AuditEntry.at < at["audit_texts"], AuditEntry.text.is_not(None)
                ),
                "activity": await some(ActivityDaily, ActivityDaily.day < at["activity"].date())
                or await some(ActivityHourly, ActivityHourly.day < at["activity"].date())
                or await some(MembershipEvent, MembershipEvent.at < at["activity"]),
                "cases": await some(C, C.created_at < at["cases"]),
                "case_evidence": await some(
                    C, C.created_at < at["case_evidence"], C.evidence.is_not(None)
                ),
                "spam_samples": await some(SpamSample, SpamSample.at < at["spam_samples"]),
            }
            found = await q._prunable(store, ref, lambda k, at=at: at.get(k))  # type: ignore[misc]
            assert found == expected, days
        assert await q._prunable(store, ref, lambda k: None) == {}

        # nothing older than its period: zero per kind, and no write transaction
        writes = store.sessions.writes
        assert await q.prune(store, ref, PERIODS, bot.now) == dict.fromkeys(PERIODS, 0)
        assert store.sessions.writes == writes
        # 21 days on: the texts and evidence go, and a second run has nothing left to do
        later = bot.now + timedelta(days=21)
        done = await q.prune(store, ref, PERIODS, later)
        assert done["audit_texts"] and done["case_evidence"] and not done["audit_log"]
        assert store.sessions.writes > writes
        writes = store.sessions.writes
        assert await q.prune(store, ref, PERIODS, later) == dict.fromkeys(PERIODS, 0)
        assert store.sessions.writes == writes
    finally:
        await bot.close()
