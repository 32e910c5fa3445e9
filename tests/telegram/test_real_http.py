"""The path users run: python-telegram-bot's own polling loop and HTTP client (httpx) against a
Bot API server on 127.0.0.1, reached through `base_url`, through the whole pipeline (adapter →
engine → store → executor → adapter)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from bot.runtime import Runtime
from tests.telegram.botapi_double import (
    GROUP_ID,
    TOKEN,
    ApiFailure,
    BotApiDouble,
    UpdateBuilder,
    user,
)
from tests.telegram.botapi_server import BotApiServer
from tests.telegram.conftest import MOD, NOW, OWNER

PLAYBOOK = """
community: {name: Makers}
moderation: {enabled: true}
welcome:
  greeting: "Welcome {member} to {community}!"
  direct_message: "Rules for {member}: be kind."
antispam:
  rules:
    - name: ads
      triggers: {keywords: [加微信, crypto giveaway]}
      actions: {delete: true, reply: "{member}, no ads please."}
"""
NINA = user(42, "Nina", username="nina")
SAM = user(66, "Sam", username="sam")


@dataclass
class LiveBot:
    api: BotApiDouble
    server: BotApiServer
    adapter: TelegramAdapter
    runtime: Runtime
    updates: UpdateBuilder

    def texts_to(self, chat_id: int) -> list[str]:
        """What Telegram delivered there (a refused DM is not)."""
        return [str(c["text"]) for c in self.api.delivered() if c["chat_id"] == chat_id]

    async def until(self, done: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
        """Wait for the poller to have fetched and handled what the server was given."""
        for _ in range(int(seconds / 0.02)):
            if done():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; calls: {self.api.methods}")

    async def reachable(self, user_id: str, expected: bool) -> bool:
        """The durable record, once the event that teaches it has been handled."""
        for _ in range(500):
            if await self.runtime.store.dm_reachable("telegram", user_id) is expected:
                return True
            await asyncio.sleep(0.02)
        return False


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveBot]:
    path = tmp_path / "p.yaml"
    path.write_text(PLAYBOOK, encoding="utf-8")
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    async with BotApiServer(api, TOKEN) as server:
        adapter = TelegramAdapter(
            TOKEN, base_url=server.base_url, base_file_url=server.base_file_url, clock=lambda: NOW
        )
        runtime = await build_runtime(
            db_url=f"sqlite:///{tmp_path / 'tg.db'}", playbook=path, adapters={"telegram": adapter}
        )
        await adapter.start(runtime.handle, runtime.commands)
        try:
            updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
            yield LiveBot(api, server, adapter, runtime, updates)
        finally:
            await adapter.stop()
            await runtime.store.close()


async def test_the_bot_starts_and_polls_through_the_configured_server(live: LiveBot) -> None:
    assert live.adapter.application.bot.username == "qunbot_test_bot"  # getMe answered
    assert live.api.calls_to("setMyCommands")  # the menu was registered over HTTP
    await live.until(lambda: live.server.requests >= 4, "getUpdates long polls")


async def test_an_ad_is_deleted_over_http(live: LiveBot) -> None:
    live.api.push_update(live.updates.message(SAM, "限时福利 请加 微 信 领取"))

    await live.until(lambda: bool(live.api.calls_to("deleteMessage")), "the ad deleted")
    await live.until(lambda: any("no ads" in t for t in live.texts_to(GROUP_ID)), "the reply")
    (deleted,) = live.api.calls_to("deleteMessage")
    assert deleted["chat_id"] == GROUP_ID
    assert live.texts_to(GROUP_ID) == ["Sam, no ads please."]


async def test_a_failing_call_is_an_api_error_not_a_crash(live: LiveBot) -> None:
    live.api.fail_next(
        "deleteMessage", ApiFailure.bad_request("Bad Request: message to delete not found")
    )
    live.api.push_update(live.updates.message(SAM, "crypto giveaway here"))
    await live.until(lambda: any("no ads" in t for t in live.texts_to(GROUP_ID)), "the reply")
    live.api.push_update(live.updates.message(SAM, "huge crypto giveaway again"))
    await live.until(lambda: len(live.api.calls_to("deleteMessage")) == 2, "the poller survived")


async def test_a_newcomer_a_refused_dm_a_start_and_a_delivered_dm(live: LiveBot) -> None:
    group = lambda: live.texts_to(GROUP_ID)  # noqa: E731
    live.api.push_update(live.updates.chat_member(NINA))

    # the welcome DM: tried, refused with 403 (Nina never pressed Start), the fallback instead
    await live.until(lambda: len(group()) == 2, "the greeting and the DM fallback")
    assert [c.refused for c in live.api.calls if c.params.get("chat_id") == NINA["id"]] == [403]
    greeting, invitation = group()
    assert greeting == "Welcome Nina to Makers!"
    assert invitation.startswith("Nina, I have a private message for you")
    assert not any(w in " ".join(group()).lower() for w in ("could not", "forbidden", "42"))
    assert await live.reachable("42", False)

    # a private /start: reachable (durably), answered with the member's commands
    live.api.push_update(live.updates.private(NINA, "/start"))
    await live.until(lambda: bool(live.texts_to(NINA["id"])), "the answer to /start")
    assert "/help" in live.texts_to(NINA["id"])[0]
    assert await live.reachable("42", True)

    # the next DM goes through: a private answer (/help in the group) reaches her privately
    live.api.push_update(live.updates.message(NINA, "/help"))
    await live.until(lambda: len(live.texts_to(NINA["id"])) == 2, "/help answered by DM")
    answer = live.texts_to(NINA["id"])[1]
    assert answer.startswith("Commands you can use") and "/ban" not in answer
    assert len(group()) == 2  # nothing more in the group


async def test_help_is_answered_and_moderators_see_their_commands(live: LiveBot) -> None:
    live.api.push_update(live.updates.message(MOD, "/help"))
    await live.until(lambda: bool(live.texts_to(GROUP_ID)), "/help answered")

    (answer,) = live.texts_to(GROUP_ID)  # Mike never started the bot: answered in the group
    assert "/ban" in answer and "/warn" in answer and "/playbook" not in answer  # not an admin
    menus = {c["scope"]["type"]: c["commands"] for c in live.api.calls_to("setMyCommands")}
    members = {c["command"] for c in menus["all_group_chats"]}
    assert "help" in members and "ban" not in members and "purge" not in members
    assert {"ban", "purge", "playbook"} <= {c["command"] for c in menus["all_chat_administrators"]}


async def test_moderation_calls_go_over_http_with_telegrams_answers(live: LiveBot) -> None:
    spam = live.updates.message(SAM, "hello all")
    live.api.push_update(spam)
    live.api.push_update(
        live.updates.message(MOD, "/timeout 10m flooding", reply_to=spam["message"])
    )
    await live.until(lambda: bool(live.api.calls_to("restrictChatMember")), "the mute")
    (mute,) = live.api.calls_to("restrictChatMember")
    assert (mute["chat_id"], mute["user_id"]) == (GROUP_ID, SAM["id"])
    assert mute["until_date"] > 0 and not any(mute["permissions"].values())

    # a member the bot never saw: asked for with getChatMember, then banned
    stranger = 5512345678
    live.api.push_update(live.updates.message(MOD, f"/ban {stranger} scam links"))
    await live.until(lambda: bool(live.api.calls_to("banChatMember")), "the ban")
    assert live.api.calls_to("getChatMember")[-1]["user_id"] == stranger
    assert live.api.calls_to("banChatMember")[-1]["user_id"] == stranger

    # Telegram says "user not found": a clear answer, no case, no ban
    live.api.fail_next("getChatMember", ApiFailure.bad_request("Bad Request: user not found"))
    live.api.push_update(live.updates.message(MOD, "/ban 5599999999 scam"))
    await live.until(lambda: len(live.api.calls_to("getChatMember")) == 2, "the lookup")
    await live.until(lambda: len(live.texts_to(GROUP_ID)) >= 3, "the answer")
    assert len(live.api.calls_to("banChatMember")) == 1
    assert "5599999999" in live.texts_to(GROUP_ID)[-1]  # an unknown id stays as typed

    # refused for lack of rights: recorded as failed, the poller keeps going
    live.api.fail_next(
        "restrictChatMember",
        ApiFailure.bad_request("Bad Request: not enough rights to restrict/unrestrict chat member"),
    )
    live.api.push_update(live.updates.message(MOD, "/timeout 1h again", reply_to=spam["message"]))
    await live.until(lambda: len(live.api.calls_to("restrictChatMember")) == 2, "the refusal")
    live.api.push_update(live.updates.message(SAM, "crypto giveaway"))
    await live.until(lambda: bool(live.api.calls_to("deleteMessage")), "still polling")


async def test_webhook_mode_registers_its_url_with_the_configured_server(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a free local port for the webhook listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = BotApiDouble(now=NOW)
    async with BotApiServer(api, TOKEN) as server:
        adapter = TelegramAdapter(
            TOKEN,
            base_url=server.base_url,
            mode="webhook",
            webhook_url="https://bot.example.org/telegram",
            listen="127.0.0.1",
            port=port,
            secret_token="s3cret",
        )
        await adapter.start(lambda event: asyncio.sleep(0), [])
        await adapter.stop()

    (hook,) = api.calls_to("setWebhook")
    assert hook["url"] == "https://bot.example.org/telegram"
    assert hook["secret_token"] == "s3cret" and "chat_member" in hook["allowed_updates"]
