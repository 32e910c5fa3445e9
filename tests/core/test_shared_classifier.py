"""Communities that learned no sample share one seed classifier (megabytes each otherwise);
a community that learns one gets its own, and only it decides differently — whole pipeline."""

from __future__ import annotations

from bot.actions import DeleteMessage
from bot.events import MessagePosted
from rules.antispam.rules import CLASSIFIER
from tests.antispam.conftest import PLAYBOOK
from tests.harness import PLATFORM, BotHarness

WIN = (
    "WINNER!! You have been selected to receive a £900 cash prize. Call 09061701461 "
    "to claim now. Valid 12 hours only"
)


async def say_in(bot: BotHarness, community: str, user: str, text: str, n: int) -> None:
    await bot.emit(
        MessagePosted(
            platform=PLATFORM,
            community_id=community,
            occurred_at=bot.now,
            channel_id="general",
            message_id=f"{community}-{n}",
            author=bot.actor(user),
            text=text,
        )
    )


async def classifier_of(bot: BotHarness, community: str) -> object:
    ref = await bot.runtime.store.community(PLATFORM, community)
    return (await bot.runtime.states.get(ref)).memory[CLASSIFIER][1]


async def test_communities_share_the_seed_classifier_until_one_learns(tmp_path) -> None:
    bot = await BotHarness.start(tmp_path, PLAYBOOK)
    bot.moderators.add("mod")
    try:
        for n, community in enumerate(("c1", "c2", "c3")):
            await say_in(bot, community, f"first{n}", "hello, how is everyone?", n)
        shared = await classifier_of(bot, "c1")
        assert await classifier_of(bot, "c2") is shared and await classifier_of(bot, "c3") is shared

        await bot.command(
            "mod", "notspam", target_message_id="m1", target_user_id="amy", target_message_text=WIN
        )
        bot.clear()
        await bot.say("amy", WIN)  # c1 learned it is fine: it stays
        assert bot.actions_for("amy") == []
        await say_in(bot, "c2", "ann", WIN, 10)  # c2 learned nothing: a newcomer's scam goes
        assert [a for a in bot.actions_for("ann") if isinstance(a, DeleteMessage)]
        assert await classifier_of(bot, "c1") is not shared
        assert await classifier_of(bot, "c2") is shared
    finally:
        await bot.close()
