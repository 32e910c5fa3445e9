"""Readable errors: Discord exceptions become `PlatformError`s the executor can act on, and start
failures become one `AdapterStartError` that tells the operator what to do."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.adapter import AdapterStartError, PlatformError

PORTAL = "https://discord.com/developers/applications"

# Discord JSON error codes that change the message we give.
_CANNOT_DM = 50007
_NOT_FOUND_CODES = {
    10003: "channel",
    10004: "server",
    10007: "member",
    10008: "message",
    10011: "role",
    10013: "user",
    10026: "ban",
}

# The permission the bot needs for each action kind, named as in Discord's role settings.
NEEDED_PERMISSION: dict[str, str] = {
    "post": "View Channel + Send Messages (+ Attach Files for images, Create Polls for polls)",
    "reply": "View Channel + Send Messages + Read Message History",
    "send_direct": "the member must accept direct messages from server members",
    "delete_message": "Manage Messages",
    "warn": "View Channel + Send Messages",
    "timeout": "Timeout Members (moderate_members), and a role above the member's highest role",
    "remove_timeout": "Timeout Members (moderate_members)",
    "kick": "Kick Members, and a role above the member's highest role",
    "ban": "Ban Members, and a role above the member's highest role",
    "unban": "Ban Members",
    "add_role": "Manage Roles, and the bot's highest role must be above that role",
    "remove_role": "Manage Roles, and the bot's highest role must be above that role",
    "alert_moderators": "View Channel + Send Messages in the moderators' channel",
}


def bad_token_error() -> AdapterStartError:
    return AdapterStartError(
        "Discord rejected the bot token. Open "
        f"{PORTAL} → your application → Bot → Reset Token, copy the new token and put it in "
        "the DISCORD_TOKEN environment variable (the bot token, not the client secret or "
        "the application id)."
    )


def missing_intents_error() -> AdapterStartError:
    return AdapterStartError(
        "Discord refused the connection because privileged intents are not enabled. Open "
        f"{PORTAL} → your application → Bot → Privileged Gateway Intents and switch on "
        "'SERVER MEMBERS INTENT' and 'MESSAGE CONTENT INTENT', save, then start qunbot again. "
        "(Bots in 100+ servers must also be verified for these intents.)"
    )


def unreachable_error(exc: BaseException) -> AdapterStartError:
    return AdapterStartError(
        f"Cannot reach Discord ({exc.__class__.__name__}: {exc}). Check the network, a proxy, "
        "or https://discordstatus.com, then start qunbot again."
    )


def _retry_after(exc: discord.HTTPException) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def to_platform_error(exc: BaseException, action_kind: str, what: str = "") -> PlatformError:
    """Translate any exception raised while performing `action_kind` into a `PlatformError`."""
    subject = f" ({what})" if what else ""
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return PlatformError(
            PlatformError.RATE_LIMITED,
            f"Discord rate limit on {action_kind}{subject}; retry in {exc.retry_after:.1f}s",
            retry_after=exc.retry_after,
        )
    if isinstance(exc, discord.Forbidden):
        if exc.code == _CANNOT_DM:
            return PlatformError(
                PlatformError.UNREACHABLE,
                f"cannot DM{subject}: the member closed direct messages from server members or "
                "blocked the bot",
            )
        need = NEEDED_PERMISSION.get(action_kind, "the matching permission")
        return PlatformError(
            PlatformError.FORBIDDEN,
            f"Discord refused {action_kind}{subject}: the bot needs {need} "
            f"({exc.text or 'Missing Permissions'})",
        )
    if isinstance(exc, discord.NotFound):
        thing = _NOT_FOUND_CODES.get(exc.code, "target")
        return PlatformError(
            PlatformError.NOT_FOUND,
            f"{action_kind}{subject}: unknown {thing} ({exc.text or 'Not Found'})",
        )
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            retry = _retry_after(exc)
            return PlatformError(
                PlatformError.RATE_LIMITED,
                f"Discord rate limit on {action_kind}{subject}",
                retry_after=retry,
            )
        if exc.status >= 500:
            return PlatformError(
                PlatformError.UNAVAILABLE,
                f"Discord server error {exc.status} on {action_kind}{subject}",
            )
        return PlatformError(
            PlatformError.OTHER,
            f"Discord rejected {action_kind}{subject}: {exc.status} {exc.text}",
        )
    if isinstance(
        exc,
        aiohttp.ClientError
        | asyncio.TimeoutError
        | ConnectionError
        | discord.GatewayNotFound
        | discord.ConnectionClosed,
    ):
        return PlatformError(
            PlatformError.UNAVAILABLE,
            f"cannot reach Discord for {action_kind}{subject}: {exc.__class__.__name__}",
        )
    return PlatformError(PlatformError.OTHER, f"{action_kind}{subject} failed: {exc!r}")
