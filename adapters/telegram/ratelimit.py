"""Throttle what Telegram throttles: messages, not moderation.

`AIORateLimiter` applies the per-group limit (20 per minute) to every call that names a chat, so
during a raid 60 deletions and bans would queue for three minutes. Telegram's flood limits are
about sending messages; here only sending methods go through the per-chat and per-group limiter.
A 429 that still happens is not retried here: it reaches the executor as RATE_LIMITED.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendPoll",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendMediaGroup",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
    }
)


class SendingRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        throttled = data if endpoint in SENDING_METHODS else {}
        return await super().process_request(
            callback, args, kwargs, endpoint, throttled, rate_limit_args
        )
