"""Which invite a member joined through. Discord does not say: the use counts of the guild's
invites are read before and after each join and compared. Exactly one invite used once more
names it; the vanity URL is "vanity"; several moved is "ambiguous", none "untracked" (a join
from Server Discovery, or one the bot could not see) — attribution never guesses. The cache is
kept current by invite create/delete events; reading invites needs Manage Server."""

from __future__ import annotations

import asyncio
import logging

import discord

log = logging.getLogger(__name__)

Counts = dict[str, int]


class InviteTracker:
    def __init__(self) -> None:
        self._uses: dict[int, Counts] = {}
        self._vanity: dict[int, int | None] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        # guilds whose invites the bot may not read (no Manage Server): not asked on every join
        self._forbidden: set[int] = set()

    async def _read(self, guild: discord.Guild) -> tuple[Counts, int | None]:
        counts = {i.code: i.uses or 0 for i in await guild.invites()}
        vanity = None
        if "VANITY_URL" in guild.features:
            found = await guild.vanity_invite()
            vanity = found.uses if found is not None else None
        return counts, vanity

    async def prime(self, guild: discord.Guild) -> None:
        """The counts to compare the next join with (on guild available)."""
        async with self._lock(guild.id):
            try:
                self._uses[guild.id], self._vanity[guild.id] = await self._read(guild)
                self._forbidden.discard(guild.id)
            except discord.HTTPException as exc:
                if isinstance(exc, discord.Forbidden):
                    self._forbidden.add(guild.id)
                log.warning(
                    "cannot read the invites of %r (%s): joins stay unattributed; give the bot "
                    "the Manage Server permission",
                    guild.name,
                    exc,
                )

    def created(self, invite: discord.Invite) -> None:
        guild = invite.guild
        if guild is not None and guild.id in self._uses:
            self._uses[guild.id][invite.code] = invite.uses or 0

    def deleted(self, invite: discord.Invite) -> None:
        guild = invite.guild
        if guild is not None:
            self._uses.get(guild.id, {}).pop(invite.code, None)

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def attribute(self, guild: discord.Guild) -> tuple[str | None, str]:
        """(invite code, "") when one invite explains the join, else (None, why not)."""
        if guild.id in self._forbidden:
            return None, "unavailable"  # until the guild is available again (permissions fixed)
        async with self._lock(guild.id):  # joins compared one at a time
            before, vanity_before = self._uses.get(guild.id), self._vanity.get(guild.id)
            try:
                after, vanity = await self._read(guild)
            except discord.HTTPException as exc:
                if isinstance(exc, discord.Forbidden):
                    self._forbidden.add(guild.id)
                return None, "unavailable"
            self._uses[guild.id], self._vanity[guild.id] = after, vanity
        if before is None:
            return None, "unavailable"  # nothing to compare with yet
        moved = [code for code, uses in after.items() if uses > before.get(code, 0)]
        vanity_moved = vanity is not None and vanity > (vanity_before or 0)
        if len(moved) == 1 and not vanity_moved:
            return moved[0], ""
        if not moved and vanity_moved:
            return None, "vanity"
        if moved:
            return None, "ambiguous"
        return None, "untracked"
