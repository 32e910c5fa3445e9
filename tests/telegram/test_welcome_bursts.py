"""Welcome details on Telegram (issue 12, point 8), through the whole pipeline: a burst greeting
only for two or more newcomers, nobody greeted who was removed or muted before the greeting
went out, and Chinese lists joined with 、."""

from __future__ import annotations

from datetime import timedelta

from bot.events import Tick
from tests.moderation.platforms import TelegramRig, telegram_rig
from tests.telegram.botapi_double import GROUP_ID, user
from tests.telegram.conftest import MOD, NOW

PLAYBOOK = """
community: {{name: Makers, language: {language}}}
moderation: {{}}
welcome:
  greeting: "Welcome {{member}} to {{community}}!"
  batch_greeting: "Glad to have all {{count}} of you: {{members}}!"
  burst: {{joins: 3, window: 1m}}
  regreet_after: 1s  # a member who comes back is greeted again, unless held
antispam:
  rules:
    - name: ads
      triggers: {{keywords: [crypto giveaway]}}
      actions: {{delete: true, timeout: 1h}}
"""
NEWCOMERS = [user(40 + i, name, username=name.lower()) for i, name in enumerate(
    ["Ann", "Ben", "Cat", "Dan", "Eve"])]  # fmt: skip


async def join(tg: TelegramRig, count: int) -> None:
    for newcomer in NEWCOMERS[:count]:
        await tg.adapter.feed(tg.updates.chat_member(newcomer, old="left", new="member"))


async def greetings_after_the_window(tg: TelegramRig) -> list[str]:
    tg.api.clear()
    await tg.runtime.handle(
        Tick(
            platform="telegram",
            community_id=str(GROUP_ID),
            occurred_at=NOW + timedelta(minutes=5),
            job="due",
        )
    )
    return [t for t in tg.texts_to(GROUP_ID) if "Welcome" in t or "Glad" in t or "欢迎" in t]


async def test_a_burst_of_one_gets_an_ordinary_greeting(tmp_path):
    tg = await telegram_rig(tmp_path, PLAYBOOK.format(language="en"))
    try:
        await join(tg, 3)  # Ann and Ben before the threshold; Cat is batched

        assert await greetings_after_the_window(tg) == ["Welcome Cat to Makers!"]
    finally:
        await tg.close()


async def test_a_newcomer_muted_or_removed_before_the_greeting_is_not_greeted(tmp_path):
    tg = await telegram_rig(tmp_path, PLAYBOOK.format(language="en"))
    try:
        await join(tg, 5)  # Cat, Dan and Eve are batched
        cat, dan, eve = NEWCOMERS[2:5]
        await tg.adapter.feed(tg.updates.message(dan, "crypto giveaway for all"))  # timed out
        await tg.adapter.feed(tg.updates.message(MOD, "/ban @eve spam account"))

        greetings = await greetings_after_the_window(tg)

        assert greetings == ["Welcome Cat to Makers!"]
    finally:
        await tg.close()


async def test_chinese_burst_greeting_lists_names_with_the_chinese_comma(tmp_path):
    tg = await telegram_rig(tmp_path, PLAYBOOK.format(language="zh"))
    try:
        await join(tg, 5)

        (greeting,) = await greetings_after_the_window(tg)

        assert greeting == "Glad to have all 3 of you: Cat、Dan、Eve!"
    finally:
        await tg.close()


async def test_a_newcomer_restricted_by_raid_mode_is_not_welcomed(tmp_path):
    tg = await telegram_rig(tmp_path, PLAYBOOK.format(language="en"))
    try:
        await tg.adapter.feed(tg.updates.message(MOD, "/raid on"))
        tg.api.clear()

        await join(tg, 1)

        assert len(tg.api.calls_to("restrictChatMember")) == 1  # muted by raid mode
        assert not any("Welcome" in t for t in tg.texts_to(GROUP_ID))
    finally:
        await tg.close()


async def test_a_member_back_while_still_timed_out_is_not_welcomed(tmp_path):
    tg = await telegram_rig(tmp_path, PLAYBOOK.format(language="en"))
    try:
        ann = NEWCOMERS[0]
        await join(tg, 1)
        await tg.adapter.feed(tg.updates.message(ann, "crypto giveaway inside"))  # 1h timeout
        await tg.adapter.feed(tg.updates.chat_member(ann, old="restricted", new="left"))
        tg.api.clear()

        await tg.adapter.feed(tg.updates.chat_member(ann, old="left", new="member"))

        assert not any("Welcome" in t for t in tg.texts_to(GROUP_ID))
    finally:
        await tg.close()
