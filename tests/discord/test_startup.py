"""Starting the adapter: a wrong token or a missing portal toggle is one readable error that
says what to do; sharding settings are checked before anything connects."""

from __future__ import annotations

import asyncio

import discord
import pytest

from adapters.discord import AdapterStartError, DiscordAdapter
from bot.actions import ALL_ACTION_KINDS
from bot.adapter import Adapter, PlatformError
from bot.commands import CommandSpec


async def _collect(event: object) -> None:
    return None


def _offline_login(adapter: DiscordAdapter):
    """A login that succeeds without the network (discord.py's own setup still runs)."""

    async def login(token: str) -> None:
        await adapter.client._async_setup_hook()

    return login


async def test_a_rejected_token_is_one_error_that_says_what_to_do():
    adapter = DiscordAdapter("not-a-real-token")

    async def static_login(token: str) -> dict:
        # what discord.py raises when Discord answers 401
        raise discord.LoginFailure("Improper token has been passed.")

    adapter.client.http.static_login = static_login  # type: ignore[method-assign]

    with pytest.raises(AdapterStartError) as caught:
        await adapter.start(_collect, [])

    message = str(caught.value)
    assert "rejected the bot token" in message
    assert "DISCORD_TOKEN" in message and "Reset Token" in message
    assert isinstance(caught.value.__cause__, discord.LoginFailure)
    assert adapter.client.is_closed()


async def test_an_empty_token_fails_before_any_connection():
    adapter = DiscordAdapter("   ")

    async def static_login(token: str) -> dict:
        raise AssertionError("must not try to log in without a token")

    adapter.client.http.static_login = static_login  # type: ignore[method-assign]

    with pytest.raises(AdapterStartError, match="DISCORD_TOKEN"):
        await adapter.start(_collect, [])


async def test_missing_privileged_intents_name_the_portal_toggles():
    adapter = DiscordAdapter("token")
    adapter.client.login = _offline_login(adapter)  # type: ignore[method-assign]

    async def connect(*, reconnect: bool = True) -> None:
        raise discord.PrivilegedIntentsRequired(shard_id=None)

    adapter.client.connect = connect  # type: ignore[method-assign]

    with pytest.raises(AdapterStartError) as caught:
        await adapter.start(_collect, [])

    message = str(caught.value)
    assert "SERVER MEMBERS INTENT" in message and "MESSAGE CONTENT INTENT" in message
    assert "Privileged Gateway Intents" in message


async def test_an_unreachable_discord_is_reported_as_such():
    adapter = DiscordAdapter("token")

    async def static_login(token: str) -> dict:
        raise OSError("Name or service not known")

    adapter.client.http.static_login = static_login  # type: ignore[method-assign]

    with pytest.raises(AdapterStartError, match="Cannot reach Discord"):
        await adapter.start(_collect, [])


async def test_start_returns_when_ready_and_stop_disconnects():
    adapter = DiscordAdapter("token")
    adapter.client.login = _offline_login(adapter)  # type: ignore[method-assign]
    connected = asyncio.Event()

    async def connect(*, reconnect: bool = True) -> None:
        connected.set()
        adapter.client._ready.set()  # what the gateway does after READY
        await asyncio.Event().wait()  # the gateway keeps running until closed

    adapter.client.connect = connect  # type: ignore[method-assign]

    await asyncio.wait_for(adapter.start(_collect, [CommandSpec("rank", "Your level")]), 2)

    assert connected.is_set()
    assert adapter.registered_commands == ["/rank"]
    await adapter.stop()
    assert adapter.client.is_closed()


def test_the_adapter_meets_the_core_contract():
    adapter = DiscordAdapter("token")

    assert isinstance(adapter, Adapter)
    assert adapter.platform == "discord"
    assert adapter.capabilities == ALL_ACTION_KINDS
    assert adapter.why_unsupported("post") == ""
    assert "grant_points" in adapter.why_unsupported("grant_points")
    assert adapter.client.intents.members and adapter.client.intents.message_content


def test_start_errors_are_platform_errors_like_telegrams():
    assert issubclass(AdapterStartError, PlatformError)
    assert not AdapterStartError("x").retryable


def test_shards_come_from_config():
    adapter = DiscordAdapter("token", shard_ids=[2, 3], shard_count=4)

    assert isinstance(adapter.client, discord.AutoShardedClient)
    assert adapter.client.shard_ids == [2, 3]
    assert adapter.client.shard_count == 4


def test_shard_settings_are_checked_up_front():
    with pytest.raises(ValueError, match="shard_count"):
        DiscordAdapter("token", shard_ids=[0])
    with pytest.raises(ValueError, match="outside"):
        DiscordAdapter("token", shard_ids=[4], shard_count=4)


def test_a_single_connection_client_for_small_bots_and_tests():
    adapter = DiscordAdapter("token", sharded=False)
    assert not isinstance(adapter.client, discord.AutoShardedClient)


def test_token_and_shards_from_the_environment(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def.ghi")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0,1")
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "2")

    adapter = DiscordAdapter.from_env()

    assert adapter._token == "abc.def.ghi"
    assert adapter.client.shard_ids == [0, 1] and adapter.client.shard_count == 2
