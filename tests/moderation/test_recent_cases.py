"""`/cases` without a member: the community's latest cases, newest first, each naming its
member (moderators only)."""

from __future__ import annotations

import pytest

from tests.harness import BotHarness

PLAYBOOK = """
community: {name: Makers}
moderation: {enabled: true}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    harness.moderators.add("mod")
    yield harness
    await harness.close()


async def test_cases_without_a_member_lists_the_latest_cases(bot):
    await bot.command("mod", "cases")
    assert bot.texts("reply")[-1] == "No cases yet."

    await bot.command("mod", "warn", target_user_id="bob", reason="off topic")
    await bot.command("mod", "kick", target_user_id="carol", reason="advertising")
    await bot.command("mod", "cases")

    header, newest, oldest = bot.texts("reply")[-1].splitlines()
    assert header == "Latest cases:"
    assert newest.startswith("#2 ") and "carol: kick — advertising" in newest
    assert oldest.startswith("#1 ") and "bob: warn — off topic" in oldest
