"""A reusable offline Discord: a `DiscordAdapter` on a dpytest backend, plus helpers that play
members (say, edit, delete, join, leave, react, press a button, use a slash command) and record
what the bot did.

    async def test_something(discord_harness):
        h = discord_harness
        await h.say("alice", "hello")
        assert h.events[-1].text == "hello"
        await h.adapter.execute(h.community_id, Post(channel_id="general", text="hi"))
        assert h.sent[-1].content == "hi"

Build one with other commands, members or an engine-like responder with `make_harness(...)`
(and `close_harness` after). What dpytest cannot simulate is recorded instead:
- slash commands and context menus: `invoke()` / `use_menu()` call the command's callback with an
  `InteractionDouble` that records how it was answered (`interaction.answers`);
- timeouts: dpytest keeps `timed_out_until` at None; `h.calls` holds the `edit_member` call with
  `communication_disabled_until`;
- unban and app-command sync: recorded in `h.calls`, no state change.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend, callbacks, factories

from adapters.discord import DiscordAdapter
from bot.actions import Action
from bot.adapter import ActionResult
from bot.commands import CommandSpec
from bot.events import Event

Responder = Callable[[Event], Awaitable[object]]

MODERATOR_PERMISSIONS = discord.Permissions(
    manage_messages=True, moderate_members=True, kick_members=True
)
DEFAULT_MEMBERS = ("alice", "bob", "carol")
DEFAULT_CHANNELS = ("general", "mod-log")
DEFAULT_ROLES: dict[str, discord.Permissions] = {
    "Moderator": MODERATOR_PERMISSIONS,
    "Admin": discord.Permissions(administrator=True),
    "Verified": discord.Permissions.none(),
}


def http_error(status: int, code: int = 0, message: str = "", **headers: str) -> dict[str, Any]:
    """Arguments for a discord.HTTPException subclass as Discord would produce it."""
    response = SimpleNamespace(status=status, reason=message or str(status), headers=headers)
    return {"response": response, "message": {"code": code, "message": message}}


@dataclass
class HttpCall:
    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


# ---- interaction doubles ----------------------------------------------------------------------


@dataclass
class Answer:
    how: str  # "send_message", "defer", "followup", "edit_original", "delete_original"
    text: str | None = None
    ephemeral: bool | None = None
    thinking: bool | None = None


class _ResponseDouble:
    def __init__(self, owner: InteractionDouble) -> None:
        self._owner = owner
        self._done = False

    def is_done(self) -> bool:
        return self._done

    async def send_message(
        self, content: str | None = None, *, ephemeral: bool = False, **_: Any
    ) -> SimpleNamespace:
        if self._done:
            raise discord.InteractionResponded(self._owner)  # type: ignore[arg-type]
        self._done = True
        self._owner.answers.append(Answer("send_message", content, ephemeral))
        return SimpleNamespace(message_id=self._owner.next_id())

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        if self._done:
            raise discord.InteractionResponded(self._owner)  # type: ignore[arg-type]
        self._done = True
        self._owner.answers.append(Answer("defer", None, ephemeral, thinking))


class _FollowupDouble:
    def __init__(self, owner: InteractionDouble) -> None:
        self._owner = owner

    async def send(
        self, content: str | None = None, *, ephemeral: bool = False, **_: Any
    ) -> SimpleNamespace:
        self._owner.answers.append(Answer("followup", content, ephemeral))
        return SimpleNamespace(id=self._owner.next_id())


class InteractionDouble:
    """Just enough of `discord.Interaction` for the adapter's command and button handlers."""

    _ids = itertools.count(1)

    def __init__(
        self,
        *,
        user: discord.Member,
        channel: discord.abc.GuildChannel,
        type: discord.InteractionType = discord.InteractionType.application_command,
        data: dict[str, Any] | None = None,
        message: discord.Message | None = None,
    ) -> None:
        self.id = factories.make_id()
        self.type = type
        self.user = user
        self.guild = channel.guild
        self.guild_id = channel.guild.id
        self.channel = channel
        self.channel_id = channel.id
        self.created_at = discord.utils.utcnow()
        self.data = data or {}
        self.message = message
        self.response = _ResponseDouble(self)
        self.followup = _FollowupDouble(self)
        self.answers: list[Answer] = []

    def next_id(self) -> int:
        return factories.make_id()

    async def edit_original_response(self, *, content: str | None = None, **_: Any) -> Any:
        self.answers.append(Answer("edit_original", content))
        return SimpleNamespace(id=self.next_id())

    async def delete_original_response(self) -> None:
        self.answers.append(Answer("delete_original"))

    @property
    def texts(self) -> list[str]:
        """What the member saw as answers, in order."""
        return [a.text for a in self.answers if a.text is not None]


# ---- the harness --------------------------------------------------------------------------------


@dataclass
class DiscordHarness:
    adapter: DiscordAdapter
    client: discord.Client
    guild: discord.Guild
    events: list[Event]
    calls: list[HttpCall]
    payloads: list[dict[str, Any]]
    sent: list[discord.Message]
    responder: Responder | None = None
    # the guild's invites as Discord counts them (code → uses): dpytest has none of its own
    invites: dict[str, int] = field(default_factory=dict)

    # ---- lookups ----

    @property
    def community_id(self) -> str:
        return str(self.guild.id)

    def member(self, name: str) -> discord.Member:
        found = discord.utils.get(self.guild.members, name=name)
        if found is None:
            raise KeyError(f"no member {name!r}; have {[m.name for m in self.guild.members]}")
        return found

    def channel(self, name: str = "general") -> discord.TextChannel:
        found = discord.utils.get(self.guild.text_channels, name=name)
        if found is None:
            raise KeyError(f"no channel {name!r}")
        return found

    def role(self, name: str) -> discord.Role:
        found = discord.utils.get(self.guild.roles, name=name)
        if found is None:
            raise KeyError(f"no role {name!r}")
        return found

    @property
    def bot_user(self) -> discord.ClientUser:
        assert self.client.user is not None
        return self.client.user

    def events_of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def calls_to(self, name: str) -> list[HttpCall]:
        return [c for c in self.calls if c.name == name]

    # ---- the bot acting ----

    async def act(self, action: Action) -> ActionResult:
        """Execute `action` like the engine would, then let Discord's echo events arrive."""
        result = await self.adapter.execute(self.community_id, action)
        await dpytest.run_all_events()
        return result

    # ---- members acting ----

    async def say(
        self, who: str | discord.Member, text: str, channel: str = "general", **kwargs: Any
    ) -> discord.Message:
        member = self.member(who) if isinstance(who, str) else who
        return await dpytest.message(text, channel=self.channel(channel), member=member, **kwargs)

    async def edit(self, message: discord.Message, text: str) -> None:
        """The author edits `message` (a real edit: `edited_timestamp` is set)."""
        data = factories.dict_from_message(message)
        data.update(
            content=text,
            type=message.type.value,
            channel_id=message.channel.id,
            guild_id=message.guild.id if message.guild else None,
            edited_timestamp=discord.utils.utcnow().isoformat(),
            timestamp=message.created_at.isoformat(),
        )
        if isinstance(message.author, discord.Member):
            data["member"] = factories.dict_from_member(message.author)
        backend.get_state().parse_message_update(data)
        await dpytest.run_all_events()

    async def unfurl(self, message: discord.Message) -> None:
        """Discord adds a link preview: an update without `edited_timestamp`."""
        data = factories.dict_from_message(message)
        data.update(
            type=message.type.value,
            channel_id=message.channel.id,
            guild_id=message.guild.id if message.guild else None,
            timestamp=message.created_at.isoformat(),
            edited_timestamp=None,
            embeds=[{"type": "link", "url": "https://example.com", "title": "Example"}],
        )
        backend.get_state().parse_message_update(data)
        await dpytest.run_all_events()

    async def receive_message(self, data: dict[str, Any]) -> None:
        """A MESSAGE_CREATE payload built by hand (replies, forwards, webhooks...)."""
        backend.get_state().parse_message_create(data)  # type: ignore[arg-type]
        await dpytest.run_all_events()

    async def delete(self, message: discord.Message) -> None:
        """Someone (author or moderator) deletes `message` in the Discord client."""
        backend.delete_message(message)
        await dpytest.run_all_events()

    async def join(self, name: str, *, via: str | None = None) -> discord.Member:
        """`name` joins; `via`: through that invite code (its use count goes up first, as on
        Discord)."""
        if via is not None:
            self.invites[via] = self.invites.get(via, 0) + 1
        member = await dpytest.member_join(self.guild, name=name)
        await dpytest.run_all_events()
        return member

    def add_invite(self, code: str, uses: int = 0) -> None:
        """An invite someone made in the Discord client (the bot saw no event for it)."""
        self.invites[code] = uses

    async def leave(self, who: str | discord.Member) -> None:
        member = self.member(who) if isinstance(who, str) else who
        backend.delete_member(member)
        await dpytest.run_all_events()

    async def react(self, who: str | discord.Member, message: discord.Message, emoji: str) -> None:
        member = self.member(who) if isinstance(who, str) else who
        # built here: dpytest 0.7's payload lacks the `type` field discord.py 2.7 requires
        emoji_id, name = emoji.split(":", 1) if ":" in emoji else (None, emoji)
        data: dict[str, Any] = {
            "type": 0,
            "message_id": message.id,
            "channel_id": message.channel.id,
            "user_id": member.id,
            "emoji": {"id": emoji_id, "name": name},
            "message_author_id": message.author.id,
            "burst": False,
        }
        if message.guild is not None:
            data["guild_id"] = message.guild.id
            data["member"] = factories.dict_from_member(member)
        backend.get_state().parse_message_reaction_add(data)  # type: ignore[arg-type]
        await dpytest.run_all_events()

    async def give_role(self, who: str | discord.Member, role: str) -> None:
        member = self.member(who) if isinstance(who, str) else who
        await dpytest.add_role(member, self.role(role))

    async def press(
        self, who: str | discord.Member, message: discord.Message, custom_id: str
    ) -> InteractionDouble:
        """`who` presses the button `custom_id` on `message` (a message the bot posted)."""
        member = self.member(who) if isinstance(who, str) else who
        interaction = InteractionDouble(
            user=member,
            channel=message.channel,  # type: ignore[arg-type]
            type=discord.InteractionType.component,
            data={"custom_id": custom_id, "component_type": 2},
            message=message,
        )
        await self.client.on_interaction(interaction)  # type: ignore[attr-defined]
        return interaction

    async def invoke(
        self, command: str, who: str | discord.Member, channel: str = "general", **options: Any
    ) -> InteractionDouble:
        """`who` uses `/command` with `options` (user options take a `discord.Member`)."""
        member = self.member(who) if isinstance(who, str) else who
        cmd = self.adapter.tree.get_command(command)
        assert isinstance(cmd, discord.app_commands.Command), f"/{command} is not registered"
        interaction = InteractionDouble(user=member, channel=self.channel(channel))
        await cmd.callback(interaction, **options)  # type: ignore[arg-type]
        return interaction

    def fail(self, http_method: str, error: BaseException) -> None:
        """Make the next and every later call of `client.http.<http_method>` raise `error`."""

        async def failing(*_: Any, **__: Any) -> Any:
            raise error

        setattr(self.client.http, http_method, failing)

    def messages_in(self, channel: discord.abc.Messageable | str) -> list[dict[str, Any]]:
        """The message payloads dpytest holds for a channel (deleted ones are gone)."""
        target = self.channel(channel) if isinstance(channel, str) else channel
        return list(backend._cur_config.messages.get(target.id, []))  # type: ignore[union-attr]

    async def use_menu(
        self, menu: str, who: str | discord.Member, message: discord.Message
    ) -> InteractionDouble:
        """`who` picks Apps → `menu` on `message`."""
        member = self.member(who) if isinstance(who, str) else who
        cmd = self.adapter.tree.get_command(menu, type=discord.AppCommandType.message)
        assert isinstance(cmd, discord.app_commands.ContextMenu), f"no message menu {menu!r}"
        interaction = InteractionDouble(user=member, channel=message.channel)  # type: ignore[arg-type]
        await cmd.callback(interaction, message)  # type: ignore[arg-type]
        return interaction


def _record_callback(
    calls: list[HttpCall], name: str, then: Callable[..., Awaitable[None]] | None = None
):
    async def callback(*args: Any, **kwargs: Any) -> None:
        calls.append(HttpCall(name, args, kwargs))
        if then is not None:
            await then(*args, **kwargs)

    return callback


def _install_recorders(h: DiscordHarness) -> None:
    http = h.client.http
    calls = h.calls
    for name in (
        "kick",
        "ban",
        "delete_message",
        "add_role",
        "remove_role",
        "start_private_message",
    ):
        callbacks.set_callback(_record_callback(calls, name), name)
    edit_member = callbacks.get_callback("edit_member")
    callbacks.set_callback(_record_callback(calls, "edit_member", edit_member), "edit_member")
    sent_queue_callback = callbacks.get_callback("send_message")

    async def on_sent(message: discord.Message) -> None:
        h.sent.append(message)
        await sent_queue_callback(message)

    callbacks.set_callback(on_sent, "send_message")

    original_send = http.send_message

    async def send_message(channel_id: int, *, params: Any) -> Any:
        # dpytest reads the caller's local `channel`: keep one here, taken from our caller
        channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841
        h.payloads.append(dict(params.payload or {}))
        return await original_send(channel_id, params=params)

    http.send_message = send_message  # type: ignore[method-assign]

    # not simulated by dpytest: record and answer like Discord
    async def unban(user_id: int, guild_id: int, *, reason: str | None = None) -> None:
        calls.append(HttpCall("unban", (user_id, guild_id), {"reason": reason}))

    async def bulk_upsert_guild_commands(
        app_id: int, guild_id: int, payload: list[Any]
    ) -> list[Any]:
        calls.append(HttpCall("sync_guild_commands", (guild_id,), {"payload": payload}))
        return [
            {
                "description": "",
                **p,
                "id": factories.make_id(),
                "application_id": app_id,
                "version": 1,
            }
            for p in payload
        ]

    def invite_payload(code: str, channel_id: int | None = None) -> dict[str, Any]:
        channel = (
            h.guild.text_channels[0] if channel_id is None else h.guild.get_channel(channel_id)
        )
        assert channel is not None
        return {
            "code": code,
            "guild": {"id": h.guild.id, "name": h.guild.name},
            "channel": {"id": channel.id, "name": channel.name, "type": 0},
            "uses": h.invites.get(code, 0),
            "max_uses": 0,
            "max_age": 0,
            "temporary": False,
            "created_at": discord.utils.utcnow().isoformat(),
        }

    async def invites_from(guild_id: int) -> list[dict[str, Any]]:
        calls.append(HttpCall("invites_from", (guild_id,)))
        return [invite_payload(code) for code in h.invites]

    async def create_invite(channel_id: int, **kwargs: Any) -> dict[str, Any]:
        calls.append(HttpCall("create_invite", (channel_id,), kwargs))
        code = f"inv{len(h.invites) + 1}"
        h.invites[code] = 0
        return invite_payload(code, channel_id)

    http.invites_from = invites_from  # type: ignore[method-assign]
    http.create_invite = create_invite  # type: ignore[method-assign]
    http.unban = unban  # type: ignore[method-assign]
    http.bulk_upsert_guild_commands = bulk_upsert_guild_commands  # type: ignore[method-assign]


async def make_harness(
    *,
    commands: Iterable[CommandSpec] = (),
    members: Iterable[str] = DEFAULT_MEMBERS,
    channels: Iterable[str] = DEFAULT_CHANNELS,
    roles: dict[str, discord.Permissions] | None = None,
    responder: Responder | None = None,
    **adapter_options: Any,
) -> DiscordHarness:
    """An adapter attached to a fresh dpytest guild. `responder` sees every event after it is
    recorded (play the engine there: e.g. answer commands through `h.adapter.execute`)."""
    options: dict[str, Any] = {"sharded": False, "sync_commands": "off", "ack_after": 0.05}
    options.update(adapter_options)
    adapter = DiscordAdapter("test-token", **options)
    client = adapter.client
    events: list[Event] = []
    harness_ref: list[DiscordHarness] = []

    async def sink(event: Event) -> None:
        events.append(event)
        h = harness_ref[0] if harness_ref else None
        if h is not None and h.responder is not None:
            await h.responder(event)

    adapter.attach(sink, list(commands))
    await client._async_setup_hook()
    dpytest.configure(client, text_channels=list(channels), voice_channels=0, members=list(members))
    guild = dpytest.get_config().guilds[0]
    # login would learn the application id from Discord; command sync needs one, through the
    # HTTP client dpytest installed (the tree captured the real one when it was created)
    client._connection.application_id = client.user.id  # type: ignore[union-attr]
    adapter.tree._http = client.http
    h = DiscordHarness(adapter, client, guild, events, [], [], [], responder)
    harness_ref.append(h)
    _install_recorders(h)
    for name, perms in (DEFAULT_ROLES if roles is None else roles).items():
        backend.make_role(name, guild, permissions=perms.value)
    await dpytest.empty_queue()
    return h


async def close_harness(h: DiscordHarness) -> None:
    await dpytest.empty_queue()
    for name in (
        "kick",
        "ban",
        "delete_message",
        "add_role",
        "remove_role",
        "start_private_message",
    ):
        callbacks.remove_callback(name)


@pytest.fixture
async def discord_harness() -> AsyncIterator[DiscordHarness]:
    h = await make_harness()
    try:
        yield h
    finally:
        await close_harness(h)
