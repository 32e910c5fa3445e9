"""Find guilds, channels, members and roles from what an action carries.

Playbooks name channels and roles as people see them ("general", "#mod-log", "Verified"); rules
pass ids they got from events. Both are accepted. A miss raises `PlatformError(NOT_FOUND)` with
the name that was looked for, so the audit log says what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import discord

from bot.adapter import PlatformError

_MENTION = re.compile(r"^<[#@][!&]?(\d{15,25})>$")
_SNOWFLAKE = re.compile(r"^\d{15,25}$")

Messageable = discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.StageChannel


def snowflake(value: str) -> int | None:
    """The numeric id in `value` ('123…', '<#123…>', '<@123…>'), or None for a name."""
    text = value.strip()
    m = _MENTION.match(text)
    if m:
        return int(m.group(1))
    if _SNOWFLAKE.match(text):
        return int(text)
    return None


def guild(client: discord.Client, community_id: str) -> discord.Guild:
    gid = snowflake(community_id)
    found = client.get_guild(gid) if gid is not None else None
    if found is None:
        raise PlatformError(
            PlatformError.NOT_FOUND,
            f"the bot is not in Discord server {community_id} (or another shard serves it)",
        )
    return found


def _normalize(name: str) -> str:
    return name.strip().lstrip("#").strip().casefold()


def _by_name(channels: Iterable[Messageable], name: str) -> Messageable | None:
    wanted = _normalize(name)
    # Discord shows text channel names lower-case with dashes: "Mod Log" means "mod-log".
    dashed = wanted.replace(" ", "-")
    for channel in channels:
        if channel.name.casefold() in (wanted, dashed):
            return channel
    return None


def _messageable(g: discord.Guild) -> list[Messageable]:
    return [*g.text_channels, *g.threads, *g.voice_channels, *g.stage_channels]


def channel(g: discord.Guild, channel_id: str) -> Messageable:
    """A channel by id, mention, or name as written in a playbook."""
    cid = snowflake(channel_id)
    found: object | None
    if cid is not None:
        found = g.get_channel_or_thread(cid)
    else:
        found = _by_name(_messageable(g), channel_id)
    if not isinstance(found, Messageable):
        raise PlatformError(
            PlatformError.NOT_FOUND,
            f"no text channel {channel_id!r} in server {g.name!r}",
        )
    return found


def find_channel_named(g: discord.Guild, names: Iterable[str]) -> Messageable | None:
    channels = _messageable(g)
    for name in names:
        found = _by_name(channels, name)
        if found is not None:
            return found
    return None


async def member(g: discord.Guild, user_id: str) -> discord.Member:
    uid = snowflake(user_id)
    if uid is None:
        raise PlatformError(PlatformError.NOT_FOUND, f"{user_id!r} is not a Discord user id")
    cached = g.get_member(uid)
    if cached is not None:
        return cached
    try:
        return await g.fetch_member(uid)
    except discord.NotFound as exc:
        raise PlatformError(
            PlatformError.NOT_FOUND, f"user {user_id} is not a member of {g.name!r}"
        ) from exc


def user_object(user_id: str) -> discord.Object:
    uid = snowflake(user_id)
    if uid is None:
        raise PlatformError(PlatformError.NOT_FOUND, f"{user_id!r} is not a Discord user id")
    return discord.Object(id=uid)


def role(g: discord.Guild, name: str) -> discord.Role:
    """A role by exact name, then by name ignoring case, then by id or mention."""
    found = discord.utils.get(g.roles, name=name)
    if found is None:
        wanted = name.strip().lstrip("@").casefold()
        found = next((r for r in g.roles if r.name.casefold() == wanted), None)
    if found is None:
        rid = snowflake(name)
        found = g.get_role(rid) if rid is not None else None
    if found is None or found.is_default():
        raise PlatformError(PlatformError.NOT_FOUND, f"no role named {name!r} in {g.name!r}")
    return found
