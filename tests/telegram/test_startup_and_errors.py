"""Starting up, registering commands, receiving updates, and what refusals become."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.telegram import ALLOWED_UPDATES, AdapterStartError, TelegramAdapter
from bot.actions import Ban, DeleteMessage, Post, SendDirect
from bot.adapter import PlatformError
from bot.commands import CommandSpec
from tests.telegram.botapi_double import (
    GROUP_ID,
    TOKEN,
    ApiFailure,
    BotApiDouble,
    UpdateBuilder,
)
from tests.telegram.conftest import ALICE, COMMANDS, Collected

GROUP = str(GROUP_ID)


# --- start-up ---------------------------------------------------------------------------------
async def test_a_rejected_token_is_one_readable_error(api: BotApiDouble, events: Collected) -> None:
    api.reject_token()
    tg = TelegramAdapter(TOKEN, request=api, rate_limit=False)

    with pytest.raises(AdapterStartError) as failed:
        await tg.start(events, COMMANDS)

    message = str(failed.value)
    assert "TELEGRAM_BOT_TOKEN" in message and "@BotFather" in message
    assert isinstance(failed.value, PlatformError) and not failed.value.retryable
    assert api.calls_to("setMyCommands") == []  # nothing else was attempted


async def test_an_empty_token_is_refused_before_any_call(api: BotApiDouble) -> None:
    with pytest.raises(AdapterStartError, match="TELEGRAM_BOT_TOKEN"):
        TelegramAdapter("", request=api)
    assert api.calls == []


async def test_commands_are_registered_with_their_descriptions(
    api: BotApiDouble, events: Collected
) -> None:
    tg = TelegramAdapter(TOKEN, request=api, rate_limit=False)
    await tg.start(events, [*COMMANDS, CommandSpec("Bad-Name", "not a Telegram command name")])
    await tg.stop()

    menus = {c["scope"]["type"]: c["commands"] for c in api.calls_to("setMyCommands")}
    listed = [{"command": spec.name, "description": spec.description} for spec in COMMANDS]
    members = [c for c, spec in zip(listed, COMMANDS, strict=True) if spec.permission == "member"]
    # a member's `/` menu (private chats and groups) lists no moderator command; the
    # administrators' menu lists them all
    assert menus == {
        "default": members,
        "all_group_chats": members,
        "all_chat_administrators": listed,
    }
    assert [c["command"] for c in members] == ["checkin"]


async def test_the_command_menu_is_also_registered_in_chinese(
    api: BotApiDouble, events: Collected
) -> None:
    from bot.help import menu_translations

    tg = TelegramAdapter(
        TOKEN, request=api, rate_limit=False, menu_translations=menu_translations()
    )
    await tg.start(events, COMMANDS)
    await tg.stop()

    chinese = {
        c["scope"]["type"]: {x["command"]: x["description"] for x in c["commands"]}
        for c in api.calls_to("setMyCommands")
        if c.get("language_code") == "zh"
    }
    assert chinese["default"] == {"checkin": "今日打卡，延续连续打卡天数"}
    assert chinese["all_chat_administrators"]["warn"].startswith("警告成员")
    assert len(api.calls_to("setMyCommands")) == 6  # three scopes, default and Chinese


def test_polling_asks_for_member_updates_and_webhook_mode_for_its_url(api: BotApiDouble) -> None:
    polling = TelegramAdapter(TOKEN, request=api, rate_limit=False)
    webhook = TelegramAdapter(
        TOKEN,
        request=api,
        rate_limit=False,
        mode="webhook",
        webhook_url="https://bot.example.org/telegram",
        port=8080,
        secret_token="s3cret",
    )

    method, kwargs = polling.receive_call()
    assert method == "start_polling"
    assert {"message", "chat_member", "message_reaction", "callback_query"} <= set(
        kwargs["allowed_updates"]
    )
    method, kwargs = webhook.receive_call()
    assert method == "start_webhook"
    assert kwargs["webhook_url"] == "https://bot.example.org/telegram"
    assert (kwargs["port"], kwargs["secret_token"]) == (8080, "s3cret")
    assert kwargs["allowed_updates"] == list(ALLOWED_UPDATES)
    with pytest.raises(ValueError, match="webhook_url"):
        TelegramAdapter(TOKEN, request=api, mode="webhook")


async def test_the_real_poller_delivers_updates_served_by_the_double(
    api: BotApiDouble, events: Collected
) -> None:
    tg = TelegramAdapter(TOKEN, request=api, rate_limit=False, poll_through_request=True)
    await tg.start(events, COMMANDS)
    api.push_update(UpdateBuilder().message(ALICE, "/checkin"))
    for _ in range(100):
        if events:
            break
        await asyncio.sleep(0.01)
    await tg.stop()

    assert [e.kind for e in events] == ["command"]
    assert api.calls_to("deleteWebhook")  # polling removed any webhook first


# --- refusals ---------------------------------------------------------------------------------
async def test_flood_control_is_rate_limited_with_the_wait(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    api.fail_next("sendMessage", ApiFailure.retry_after(7))

    with pytest.raises(PlatformError) as limited:
        await adapter.execute(GROUP, Post(channel_id=GROUP, text="hello"))

    assert limited.value.kind == PlatformError.RATE_LIMITED
    assert limited.value.retry_after == 7
    assert limited.value.retryable


async def test_a_member_who_blocked_the_bot_is_unreachable_not_a_missing_permission(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder
) -> None:
    await adapter.feed(updates.private(ALICE))
    api.fail_next("sendMessage", ApiFailure.forbidden(), when=lambda p: p["chat_id"] == 10)

    with pytest.raises(PlatformError) as refused:
        await adapter.execute(GROUP, SendDirect(user_id="10", text="day 3"))

    assert refused.value.kind == PlatformError.UNREACHABLE
    assert "10" not in adapter.dm_reachable


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (ApiFailure.bad_request("Bad Request: user not found"), PlatformError.NOT_FOUND),
        (ApiFailure.bad_request("Bad Request: chat not found"), PlatformError.NOT_FOUND),
        (
            ApiFailure.bad_request(
                "Bad Request: not enough rights to restrict/unrestrict chat member"
            ),
            PlatformError.FORBIDDEN,
        ),
        (
            ApiFailure.forbidden("Forbidden: bot was kicked from the supergroup chat"),
            PlatformError.FORBIDDEN,
        ),
        (ApiFailure.server_error(), PlatformError.UNAVAILABLE),
    ],
)
async def test_ban_refusals_map_to_what_the_executor_should_do(
    adapter: TelegramAdapter, api: BotApiDouble, failure: ApiFailure, kind: str
) -> None:
    api.fail_next("banChatMember", failure)

    with pytest.raises(PlatformError) as refused:
        await adapter.execute(GROUP, Ban(user_id="11"))

    assert refused.value.kind == kind
    assert failure.description.split(": ", 1)[-1].lower() in str(refused.value).lower()


async def test_a_message_already_deleted_is_not_found(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    api.fail_next(
        "deleteMessage", ApiFailure.bad_request("Bad Request: message to delete not found")
    )

    with pytest.raises(PlatformError) as gone:
        await adapter.execute(GROUP, DeleteMessage(channel_id=GROUP, message_id="9"))

    assert gone.value.kind == PlatformError.NOT_FOUND


async def test_moderation_during_a_raid_is_not_held_back_by_the_message_limit(
    api: BotApiDouble, events: Collected
) -> None:
    tg = TelegramAdapter(TOKEN, request=api, rate_limit=True)
    await tg.start(events, [])
    started = time.perf_counter()
    for message_id in range(60):  # the stock limiter lets 20 per minute into one group
        await tg.execute(GROUP, DeleteMessage(channel_id=GROUP, message_id=str(message_id)))
    elapsed = time.perf_counter() - started
    await tg.stop()

    assert len(api.calls_to("deleteMessage")) == 60
    assert elapsed < 5


async def test_a_failure_in_the_engine_surfaces_from_feed(api: BotApiDouble) -> None:
    async def broken_sink(event: object) -> None:
        raise LookupError("engine exploded")

    tg = TelegramAdapter(TOKEN, request=api, rate_limit=False)
    await tg.start(broken_sink, COMMANDS)
    with pytest.raises(LookupError, match="engine exploded"):
        await tg.feed(UpdateBuilder().message(ALICE, "hello"))
    await tg.stop()
