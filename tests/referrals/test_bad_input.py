"""Bad input around referrals: an inviter who left or was banned, a replaced link."""

from __future__ import annotations

from datetime import timedelta

from adapters.recording import simulated_link
from rules.points.store import points_state
from rules.referrals import part
from tests.harness import BotHarness

PLAYBOOK = """
points: {messages: {enabled: false}}
referrals: {rewards: {after: 2d, min_messages: 1, points: 10}}
"""


async def test_an_inviter_who_left_is_paid_nothing_and_a_replaced_link_still_counts(tmp_path):
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    try:
        await bot.say("alice", "hi")
        await bot.command("alice", "invite")
        await bot.command("alice", "invite", new="new")  # e.g. an admin revoked the first
        first, second = simulated_link("test", "alice"), simulated_link("test", "alice", 2)
        assert second in bot.texts("create_invite")[-1].replace("{link}", second)
        await bot.join("bob", invite=first)
        await bot.say("bob", "hello")
        await bot.join("cara", invite=second)
        await bot.say("cara", "hello")
        await bot.leave("alice")
        await bot.advance(3 * 24 * timedelta(hours=1))
        ref = await bot.runtime.store.community("test", "c1")
        state = await bot.runtime.states.get(ref)
        rows = {r.user_id: r for r in part(state.memory).rows}
        assert rows["bob"].inviter == rows["cara"].inviter == "alice"
        assert {rows["bob"].status, rows["cara"].status} == {"ineligible"}
        assert "no longer in the community" in rows["bob"].note
        found = (await points_state(bot.runtime.store, ref)).get("alice")
        assert found is None or found.balance == 0
    finally:
        await bot.close()
