"""Private messages as Telegram allows them, through the whole pipeline (update → adapter →
engine → store → executor → Bot API): a bot may write only to people who pressed Start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from adapters.telegram import TelegramAdapter
from adapters.telegram.commands import start_payload
from bot.runtime import Runtime
from tests.telegram.botapi_double import (
    BOT_USERNAME,
    GROUP_ID,
    JSON,
    BotApiDouble,
    UpdateBuilder,
    user,
)
from tests.telegram.conftest import NOW, pipeline

PLAYBOOK = """
community: {{name: Makers, language: {language}, dm_fallback: {fallback}}}
welcome:
  greeting: "Welcome {{member}} to {{community}}!"
  direct_message: "Rules for {{member}}: be kind."
  verification: {{enabled: {verify}, timeout: 10m}}
checkin: {{enabled: true}}
"""
NINA = user(42, "Nina", username="nina")


@dataclass
class Bot:
    api: BotApiDouble
    adapter: TelegramAdapter
    runtime: Runtime
    updates: UpdateBuilder

    def to(self, chat_id: int) -> list[JSON]:
        return [c for c in self.api.delivered("sendMessage") if c["chat_id"] == chat_id]

    async def audit(self) -> list[dict]:
        ref = await self.runtime.store.community("telegram", str(GROUP_ID))
        return list(reversed(await self.runtime.store.audit_log(ref)))


async def make_bot(
    tmp_path: Path, *, language: str = "en", fallback: str = "button", verify: bool = False
) -> Bot:
    playbook = PLAYBOOK.format(language=language, fallback=fallback, verify=str(verify).lower())
    api, adapter, runtime = await pipeline(tmp_path, playbook)
    return Bot(api, adapter, runtime, UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api))


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    made = await make_bot(tmp_path)
    yield made
    await made.adapter.stop()
    await made.runtime.store.close()


def start_link(message: JSON) -> str:
    """The payload of the message's "open a chat with me" button."""
    (row,) = message["reply_markup"]["inline_keyboard"]
    (button,) = row
    url = urlparse(button["url"])
    assert (url.netloc, url.path) == ("t.me", f"/{BOT_USERNAME}")
    return parse_qs(url.query)["start"][0]


async def test_a_welcome_dm_refused_is_skipped_and_the_fallback_invites_the_member(bot: Bot):
    await bot.adapter.feed(bot.updates.chat_member(NINA))

    # Telegram was asked and refused ("can't initiate conversation"): skipped, with the reason
    (dm,) = [e for e in await bot.audit() if e["action"] == "send_direct"]
    assert dm["status"] == "skipped" and "can't initiate conversation" in dm["detail"]
    # the group gets the greeting and an invitation naming Nina, with a Start link, no error
    greeting, invitation = bot.to(GROUP_ID)
    assert greeting["text"] == "Welcome Nina to Makers!"
    assert invitation["text"].startswith("Nina, I have a private message for you")
    assert invitation["entities"][0]["user"]["id"] == NINA["id"]  # a mention, by name
    assert start_link(invitation)
    texts = " ".join(str(c["text"]) for c in bot.api.delivered("sendMessage"))
    assert "could not" not in texts and "forbidden" not in texts.lower() and "42" not in texts
    # not reachable, durably (dm_reachability), with the reason
    assert await bot.runtime.store.dm_reachable("telegram", "42") is False


async def test_the_start_link_delivers_the_welcome_dm_that_was_waiting(bot: Bot):
    await bot.adapter.feed(bot.updates.chat_member(NINA))
    payload = start_link(bot.to(GROUP_ID)[-1])

    await bot.adapter.feed(bot.updates.private(NINA, f"/start {payload}"))

    hello, welcome = bot.to(NINA["id"])
    assert hello["text"].startswith("Hi Nina! I am the bot of Makers")
    assert "/checkin" in hello["text"] and "/ban" not in hello["text"]  # a member's commands
    assert welcome["text"] == "Rules for Nina: be kind."
    assert await bot.runtime.store.dm_reachable("telegram", "42") is True
    (delivered,) = [
        e for e in await bot.audit() if e["status"] == "executed" and e["action"] == "send_direct"
    ]
    assert delivered["rule"] == "welcome.dm_link"


async def test_a_private_start_is_durable_and_the_next_dm_is_delivered(tmp_path: Path):
    first = await make_bot(tmp_path)
    await first.adapter.feed(first.updates.private(NINA, "/start"))
    assert first.to(NINA["id"])  # answered with the short help
    await first.adapter.stop()
    await first.runtime.store.close()

    # after a restart: nothing in memory, the record is the database's
    again = await make_bot(tmp_path)
    again.api.start(NINA)  # Telegram still has the chat she opened
    await again.adapter.feed(again.updates.chat_member(NINA))

    (welcome,) = again.to(NINA["id"])
    assert welcome["text"] == "Rules for Nina: be kind."
    assert [m["text"] for m in again.to(GROUP_ID)] == ["Welcome Nina to Makers!"]  # no fallback
    assert await again.runtime.store.dm_reachable("telegram", "42") is True
    await again.adapter.stop()
    await again.runtime.store.close()


async def test_blocking_the_bot_marks_the_member_unreachable_durably(bot: Bot):
    await bot.adapter.feed(bot.updates.private(NINA, "/start"))
    await bot.adapter.feed(bot.updates.my_chat_member_private(NINA, "kicked"))

    assert await bot.runtime.store.dm_reachable("telegram", "42") is False


@pytest.mark.parametrize(
    ("fallback", "in_group"),
    [("mention", ["Welcome Nina to Makers!", "Nina, I have"]), ("none", ["Welcome Nina"])],
)
async def test_the_playbook_chooses_the_fallback(tmp_path: Path, fallback: str, in_group: list):
    bot = await make_bot(tmp_path, fallback=fallback)
    await bot.adapter.feed(bot.updates.chat_member(NINA))

    sent = bot.to(GROUP_ID)
    assert [m["text"][: len(t)] for m, t in zip(sent, in_group, strict=True)] == in_group
    assert all("reply_markup" not in m for m in sent)  # no link when not asked for
    await bot.adapter.stop()
    await bot.runtime.store.close()


async def test_the_start_help_and_fallback_speak_the_playbook_language(tmp_path: Path):
    bot = await make_bot(tmp_path, language="zh")
    await bot.adapter.feed(bot.updates.chat_member(NINA))
    invitation = bot.to(GROUP_ID)[-1]
    assert invitation["text"].startswith("Nina，我有一条私信要发给你")
    assert invitation["reply_markup"]["inline_keyboard"][0][0]["text"] == "打开私聊"

    await bot.adapter.feed(bot.updates.private(NINA, f"/start {start_link(invitation)}"))

    hello = bot.to(NINA["id"])[0]["text"]
    assert hello.startswith("你好，Nina！我是Makers的机器人") and "今日打卡" in hello
    await bot.adapter.stop()
    await bot.runtime.store.close()


async def test_a_start_link_can_complete_a_verification(tmp_path: Path):
    bot = await make_bot(tmp_path, verify=True)
    await bot.adapter.feed(bot.updates.chat_member(NINA))
    assert bot.api.calls_to("restrictChatMember")  # muted until verified

    payload = start_payload(str(GROUP_ID), "welcome.verify:42")
    await bot.adapter.feed(bot.updates.private(NINA, f"/start {payload}"))

    lifted = bot.api.calls_to("restrictChatMember")[-1]
    assert lifted["user_id"] == NINA["id"] and any(lifted["permissions"].values())
    member = await bot.runtime.store.member(
        await bot.runtime.store.community("telegram", str(GROUP_ID)), "42"
    )
    assert member is not None and member.verified_at is not None
    await bot.adapter.stop()
    await bot.runtime.store.close()


async def test_a_start_link_for_a_group_the_bot_does_not_serve_is_only_a_start(bot: Bot):
    payload = start_payload("-1009999999999", "welcome.dm")  # typed by someone, not ours
    await bot.adapter.feed(bot.updates.private(NINA, f"/start {payload}"))

    (hello,) = bot.to(NINA["id"])  # the short help, nothing else
    assert hello["text"].startswith("Hi Nina!")
    communities = await bot.runtime.store.communities()
    assert "-1009999999999" not in {c.external_id for c in communities}
