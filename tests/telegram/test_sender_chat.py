"""A message posted as a channel (sender_chat) is its own actor: banning it bans the channel."""

from __future__ import annotations

from adapters.telegram import TelegramAdapter
from bot.actions import Ban, Kick, Timeout, Unban
from tests.telegram.botapi_double import GROUP_ID, BotApiDouble
from tests.telegram.conftest import NOW

GROUP = str(GROUP_ID)
CHANNEL = "-1009998887776"


async def test_banning_a_channel_author_uses_ban_chat_sender_chat(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    await adapter.execute(GROUP, Ban(user_id=CHANNEL))
    await adapter.execute(GROUP, Kick(user_id=CHANNEL))
    await adapter.execute(GROUP, Unban(user_id=CHANNEL))
    assert api.methods == ["banChatSenderChat", "banChatSenderChat", "unbanChatSenderChat"]
    assert api.calls_to("banChatSenderChat")[0] == {
        "chat_id": GROUP_ID,
        "sender_chat_id": int(CHANNEL),
    }


async def test_a_channel_cannot_be_muted_and_nothing_is_called(
    adapter: TelegramAdapter, api: BotApiDouble
) -> None:
    result = await adapter.execute(GROUP, Timeout(user_id=CHANNEL, until=NOW))
    assert not result.ok and "ban" in result.detail
    assert api.methods == []
