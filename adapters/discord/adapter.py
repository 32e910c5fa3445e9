"""`DiscordAdapter`: the `bot.adapter.Adapter` for Discord, on discord.py 2.7.

Lifecycle: `start(sink, commands)` registers the commands, logs in, opens the gateway in a
background task and returns once Discord says the bot is ready (or raises one readable
`AdapterStartError`); `stop()` closes the connection. `attach(sink, commands)` does the first
half without connecting — tests (dpytest) and embedders use it.

Sharding: with `shard_ids`/`shard_count` the client is an `AutoShardedClient` running only those
shards, so several processes can split the guilds (a guild lives on shard
`(guild_id >> 22) % shard_count`). Without them it is still auto-sharded (Discord picks the
count). `sharded=False` gives a plain single-connection `discord.Client` (tests, small bots).

Commands are synced per guild by default (`sync_commands="guild"`: global definitions copied to
each guild when it becomes available or the bot joins, so changes show instantly), or once
globally (`"global"`: up to an hour to propagate, one request for all guilds — better past a
few hundred guilds), or not at all (`"off"`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from typing import Literal

import aiohttp
import discord
from discord import app_commands

from adapters.discord import resolve, slash, translate
from adapters.discord.errors import (
    bad_token_error,
    missing_intents_error,
    unreachable_error,
)
from adapters.discord.execute import ALLOW_USER_PINGS, DEFAULT_ALERT_CHANNELS, DiscordActions
from adapters.discord.interactions import PendingInteractions, button_key
from adapters.discord.invites import InviteTracker
from adapters.discord.texts import DiscordTexts
from bot.actions import Action
from bot.adapter import ActionResult, AdapterStartError, EventSink, PlatformError
from bot.commands import CommandSpec
from bot.events import Actor, CommandInvoked, Event
from bot.sanitize import clean_event

log = logging.getLogger(__name__)

SyncMode = Literal["guild", "global", "off"]
TOKEN_ENV = "DISCORD_TOKEN"


def default_intents() -> discord.Intents:
    """Guilds, messages, reactions, plus the two privileged intents qunbot needs: members
    (joins, leaves, roles) and message content (spam filters read the text)."""
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return intents


def make_client(
    *,
    intents: discord.Intents,
    sharded: bool,
    shard_ids: list[int] | None,
    shard_count: int | None,
) -> discord.Client:
    options = {
        "intents": intents,
        "allowed_mentions": ALLOW_USER_PINGS,
        # events carry the member; moderation fetches one when it is not cached, so there is
        # no need to download every member list at startup
        "chunk_guilds_at_startup": False,
    }
    if not sharded:
        if shard_ids is not None or shard_count is not None:
            raise ValueError("shard_ids/shard_count need sharded=True")
        return discord.Client(**options)
    if shard_ids is not None and shard_count is None:
        raise ValueError("shard_ids needs shard_count (the total number of shards)")
    if shard_ids is not None and shard_count is not None:
        bad = [i for i in shard_ids if not 0 <= i < shard_count]
        if bad:
            raise ValueError(f"shard ids {bad} are outside 0..{shard_count - 1}")
    return discord.AutoShardedClient(shard_ids=shard_ids, shard_count=shard_count, **options)


class DiscordAdapter:
    platform = "discord"

    def __init__(
        self,
        token: str,
        *,
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
        intents: discord.Intents | None = None,
        sharded: bool = True,
        sync_commands: SyncMode | bool = "guild",
        texts: DiscordTexts | None = None,
        alert_channel: str | None = None,
        alert_channel_names: Sequence[str] = DEFAULT_ALERT_CHANNELS,
        alert_in_system_channel: bool = True,
        moderator_permissions: discord.Permissions | None = None,
        message_menus: Sequence[str] = (),
        ack_after: float = 2.0,
    ) -> None:
        self._token = token
        self._shard_ids = frozenset(shard_ids) if shard_ids is not None else None
        self._shard_count = shard_count
        # config.yaml's `sync_commands: true/false` means per-guild sync or none
        if sync_commands is True:
            sync_commands = "guild"
        elif sync_commands is False:
            sync_commands = "off"
        self._sync_mode: SyncMode = sync_commands
        self._message_menus = tuple(message_menus)
        self._texts = texts or DiscordTexts()
        self._moderator_permissions = moderator_permissions or discord.Permissions(
            manage_messages=True
        )
        self.client = make_client(
            intents=intents or default_intents(),
            sharded=sharded,
            shard_ids=shard_ids,
            shard_count=shard_count,
        )
        self.tree = app_commands.CommandTree(self.client)
        self.invites = InviteTracker()
        self._pending = PendingInteractions(ack_after=ack_after, done_text=self._texts.command_done)
        self._actions = DiscordActions(
            self.client,
            self._pending,
            self._texts,
            alert_channel=alert_channel,
            alert_channel_names=alert_channel_names,
            alert_in_system_channel=alert_in_system_channel,
            invites=self.invites,
        )
        self.capabilities: frozenset[str] = self._actions.kinds
        self._sink: EventSink | None = None
        self._synced_guilds: set[int] = set()
        self._global_synced = False
        self._runner: asyncio.Task[None] | None = None
        self.registered_commands: list[str] = []
        self._install_listeners()

    @classmethod
    def from_env(cls, **options: object) -> DiscordAdapter:
        """Token from DISCORD_TOKEN; shards from DISCORD_SHARD_IDS ("0,1") and
        DISCORD_SHARD_COUNT when set."""
        token = os.environ.get(TOKEN_ENV, "")
        ids = os.environ.get("DISCORD_SHARD_IDS", "").strip()
        count = os.environ.get("DISCORD_SHARD_COUNT", "").strip()
        if ids:
            options.setdefault("shard_ids", [int(i) for i in ids.split(",") if i.strip()])
        if count:
            options.setdefault("shard_count", int(count))
        return cls(token, **options)  # type: ignore[arg-type]

    # ---- Adapter protocol -----------------------------------------------------------------

    def why_unsupported(self, kind: str) -> str:
        if kind in self.capabilities:
            return ""
        return f"the Discord adapter has no {kind!r} action"

    def serves(self, community_id: str) -> bool:
        """A guild lives on shard `(guild_id >> 22) % shard_count`; unsharded or auto-sharded,
        this client runs every shard."""
        if self._shard_ids is None or not self._shard_count:
            return True
        try:
            return (int(community_id) >> 22) % self._shard_count in self._shard_ids
        except ValueError:
            return False

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        return await self._actions.run(community_id, action)

    async def lookup_member(self, community_id: str, user_id: str) -> Actor | None:
        """The guild member (cache, else the API), with their standing; None when they are
        not in the guild; raises PlatformError when Discord cannot say."""
        try:
            found = await resolve.member(resolve.guild(self.client, community_id), user_id)
        except PlatformError as exc:
            if exc.kind == PlatformError.NOT_FOUND:
                return None
            raise
        except discord.HTTPException as exc:
            raise PlatformError(PlatformError.OTHER, f"fetch member {user_id}: {exc}") from exc
        return translate.actor(found)

    def attach(self, sink: EventSink, commands: list[CommandSpec]) -> list[str]:
        """Deliver events to `sink` and register `commands` on the tree, without connecting."""
        self._sink = sink
        self.registered_commands = slash.register(
            self.tree,
            commands,
            self._on_command,
            moderator_permissions=self._moderator_permissions,
            preferred_menus=self._message_menus,
        )
        self._synced_guilds.clear()
        self._global_synced = False
        return self.registered_commands

    async def start(self, sink: EventSink, commands: list[CommandSpec]) -> None:
        if not self._token.strip():
            raise bad_token_error()
        self.attach(sink, commands)
        try:
            await self.client.login(self._token.strip())
        except discord.LoginFailure as exc:
            await self._close_quietly()
            raise bad_token_error() from exc
        except (TimeoutError, aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            await self._close_quietly()
            raise unreachable_error(exc) from exc
        self._runner = asyncio.create_task(self._connect(), name="qunbot-discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            await asyncio.wait({self._runner, ready}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._runner.done():
            failure = None if self._runner.cancelled() else self._runner.exception()
            self._runner = None
            await self._close_quietly()
            raise _start_failure(failure)
        self._runner.add_done_callback(_log_gateway_end)

    async def _connect(self) -> None:
        await self.client.connect(reconnect=True)

    async def stop(self) -> None:
        await self._close_quietly()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner

    async def _close_quietly(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.close()

    # ---- events ---------------------------------------------------------------------------

    def _install_listeners(self) -> None:
        # discord.Client.dispatch looks up `on_<event>` on the client instance
        for name in (
            "on_message",
            "on_raw_message_edit",
            "on_raw_message_delete",
            "on_raw_bulk_message_delete",
            "on_member_join",
            "on_raw_member_remove",
            "on_raw_reaction_add",
            "on_interaction",
            "on_guild_available",
            "on_guild_join",
            "on_ready",
            "on_invite_create",
            "on_invite_delete",
        ):
            setattr(self.client, name, getattr(self, "_" + name))

    async def _deliver(self, event: Event | None) -> None:
        if event is None or self._sink is None:
            return
        await self._sink(clean_event(event))  # bounded, encodable ids and texts

    def _is_me(self, user_id: int) -> bool:
        me = self.client.user
        return me is not None and me.id == user_id

    async def _on_message(self, message: discord.Message) -> None:
        if self._is_me(message.author.id):
            return
        await self._deliver(translate.message_posted(message))

    async def _on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if self._is_me(message.author.id):
            return
        await self._deliver(translate.message_edited(message, payload.cached_message))

    async def _on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        cached = payload.cached_message
        if cached is not None and self._is_me(cached.author.id):
            return
        await self._deliver(translate.message_deleted(payload, discord.utils.utcnow()))

    async def _on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for event in translate.messages_bulk_deleted(payload, discord.utils.utcnow()):
            await self._deliver(event)

    async def _on_member_join(self, member: discord.Member) -> None:
        if self._is_me(member.id):
            return
        invite, note = await self.invites.attribute(member.guild)
        joined = translate.member_joined(member, discord.utils.utcnow(), invite, note)
        await self._deliver(joined)

    async def _on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if self._is_me(payload.user.id):
            return
        await self._deliver(translate.member_left(payload, discord.utils.utcnow()))

    async def _on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self._is_me(payload.user_id):
            return
        await self._deliver(translate.reaction_added(payload, discord.utils.utcnow()))

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        event = translate.button_pressed(interaction)
        if event is None:
            return  # slash commands and menus arrive through the command tree
        await self._pending.run(
            button_key(event.message_id, event.user_id),
            interaction,
            self._deliver(event),
            is_command=False,
            defer_ephemeral=True,
        )

    async def _on_command(
        self, interaction: discord.Interaction, event: CommandInvoked, spec: CommandSpec
    ) -> None:
        await self._pending.run(
            str(interaction.id),
            interaction,
            self._deliver(event),
            is_command=True,
            # moderation answers are for the moderator; member commands answer in public
            defer_ephemeral=spec.permission != "member",
        )

    # ---- command sync ---------------------------------------------------------------------

    async def _on_guild_available(self, guild: discord.Guild) -> None:
        await self.sync_guild(guild)
        await self.invites.prime(guild)

    async def _on_guild_join(self, guild: discord.Guild) -> None:
        await self.sync_guild(guild)
        await self.invites.prime(guild)

    async def _on_invite_create(self, invite: discord.Invite) -> None:
        self.invites.created(invite)

    async def _on_invite_delete(self, invite: discord.Invite) -> None:
        self.invites.deleted(invite)

    async def _on_ready(self) -> None:
        if self._sync_mode != "global" or self._global_synced:
            return
        self._global_synced = True
        try:
            await self.tree.sync()
        except discord.HTTPException as exc:
            self._global_synced = False
            log.warning("could not register slash commands globally: %s", exc)

    async def sync_guild(self, guild: discord.Guild) -> bool:
        """Copy the global commands to `guild` and sync them (once per process per guild)."""
        if self._sync_mode != "guild" or guild.id in self._synced_guilds:
            return False
        self._synced_guilds.add(guild.id)
        self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
        except discord.Forbidden:
            log.warning(
                "cannot register slash commands in %r: re-invite the bot with the "
                "'applications.commands' scope (see docs/discord.md)",
                guild.name,
            )
            return False
        except discord.HTTPException as exc:
            self._synced_guilds.discard(guild.id)  # try again next time the guild shows up
            log.warning("could not register slash commands in %r: %s", guild.name, exc)
            return False
        return True


def _start_failure(failure: BaseException | None) -> AdapterStartError:
    if isinstance(failure, discord.PrivilegedIntentsRequired):
        return missing_intents_error()
    if isinstance(failure, discord.LoginFailure):
        return bad_token_error()
    if isinstance(failure, aiohttp.ClientError | OSError | discord.GatewayNotFound):
        return unreachable_error(failure)
    if failure is None:
        return AdapterStartError("the Discord connection closed before the bot was ready")
    return AdapterStartError(f"the Discord connection failed before the bot was ready: {failure}")


def _log_gateway_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    failure = task.exception()
    if failure is not None:
        log.error("the Discord gateway stopped: %s", failure, exc_info=failure)
