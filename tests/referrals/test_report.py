"""The referrals section of the health report, on SQLite and PostgreSQL: new members by source,
retention of invited vs organic members, the referral factor, top inviters, and the chart."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from adapters.recording import simulated_link
from bot.reports.collect import make_report, measure, write_report
from tests.harness import COMMUNITY, PLATFORM, T0, BotHarness

PLAYBOOK = """
community: {name: Makers}
referrals:
  rewards: {after: 7d, min_messages: 1, points: 0, notify: none}
  campaigns:
    - {name: launch, start: 2026-03-01, end: 2026-03-31}
"""


async def test_report_counts_joins_by_source_and_compares_retention(tmp_path, db_url):
    bot = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    try:
        for who in ("alice", "bob"):
            await bot.say(who, "hello, I am here")
            await bot.command(who, "invite")
        for i, inviter in enumerate(("alice", "alice", "alice", "bob")):
            await bot.join(f"inv{i}", invite=simulated_link(PLATFORM, inviter))
            await bot.say(f"inv{i}", "hi!")
        for i in range(4):
            await bot.join(f"org{i}")
        await bot.join("odd", invite_note="ambiguous")
        await bot.join("other", invite="https://t.me/+notours")
        await bot.advance(timedelta(days=2))
        await bot.leave("inv3")  # one invited and two organic members leave within a week
        await bot.leave("org0")
        await bot.leave("org1")
        await bot.advance(timedelta(days=7))
        store = bot.runtime.store
        ref = await store.community(PLATFORM, COMMUNITY)
        start = T0.date()
        pair = await measure(store, ref, start, start + timedelta(days=6), tz=UTC, now=bot.now)
        report = make_report(pair)
        stats = report.current.referrals
        assert stats is not None
        assert dict(stats.joins_by_source) == {"member": 4, "link": 1, "unknown": 1, "none": 4}
        assert dict(stats.joins_by_campaign) == {"launch": 4}
        assert stats.invited_retention == 0.75
        assert stats.organic_retention == 4 / 6  # "other" and "odd" count as organic
        assert stats.rewarded == 0  # decided on day 7, after this week
        assert stats.referral_factor is not None and stats.referral_factor > 0
        assert [(i.name, i.joined) for i in stats.top_inviters] == [("alice", 3), ("bob", 1)]

        written = write_report(report, tmp_path / "out", ("md", "json", "png", "html"))
        markdown = written["report.md"].read_text(encoding="utf-8")
        assert "### Referrals" in markdown and "through members' links: 4" in markdown
        assert "invited 75% · organic 67%" in markdown
        assert "1. alice — 3 joined, 3 stayed" in markdown  # decided since, by now
        data = json.loads(written["report.json"].read_text(encoding="utf-8"))
        assert data["current"]["referrals"]["joins_by_source"]["member"] == 4
        assert written["referrals.png"].stat().st_size > 1000
        assert "裂变" not in markdown
    finally:
        await bot.close()


async def test_a_community_without_referrals_has_no_section(tmp_path):
    bot = await BotHarness.start(tmp_path, "community: {name: Quiet}\n")
    try:
        await bot.join("ann")
        await bot.say("ann", "hello")
        await bot.advance(timedelta(days=8))
        store = bot.runtime.store
        ref = await store.community(PLATFORM, COMMUNITY)
        start = T0.date()
        pair = await measure(store, ref, start, start + timedelta(days=6), tz=UTC, now=bot.now)
        report = make_report(pair)
        assert report.current.referrals is None
        written = write_report(report, tmp_path / "out", ("md", "png"))
        assert "referrals.png" not in written
    finally:
        await bot.close()
