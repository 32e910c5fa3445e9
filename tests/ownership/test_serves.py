"""Which communities a process serves: the guilds of its Discord shards, its Telegram bot's
chats, everything on the console and in replays."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from adapters.discord.adapter import DiscordAdapter
from adapters.recording import RecordingAdapter

# guild ids whose shard of 2 is 0 and 1: (guild_id >> 22) % 2
ON_SHARD_0, ON_SHARD_1 = str(4 << 22), str(5 << 22)


async def test_a_discord_process_serves_the_guilds_of_its_shards_only() -> None:
    first = DiscordAdapter("test-token", shard_ids=[0], shard_count=2)
    second = DiscordAdapter("test-token", shard_ids=[1], shard_count=2)
    assert first.serves(ON_SHARD_0) and not first.serves(ON_SHARD_1)
    assert second.serves(ON_SHARD_1) and not second.serves(ON_SHARD_0)
    assert not first.serves("not-a-guild-id")


async def test_unsharded_and_auto_sharded_discord_serve_every_guild() -> None:
    for adapter in (DiscordAdapter("test-token"), DiscordAdapter("test-token", sharded=False)):
        assert adapter.serves(ON_SHARD_0) and adapter.serves(ON_SHARD_1)


def test_console_and_recording_serve_everything() -> None:
    assert ConsoleAdapter().serves("anything") and RecordingAdapter().serves("c1")
