"""`bot.commands.CommandSpec` → Discord application commands on a `CommandTree`.

Every spec becomes a slash command:

- options map to typed parameters: user → `discord.User` (a `Member` when the user is in the
  server; the args hold the id), integer → `int`, text and duration → `str` (rules parse
  durations), choice → a fixed list of choices;
- `permission` sets Discord's *default* member permissions — moderator → Manage Messages, admin →
  Administrator, member → everyone. Discord asks for *all* the bits given, so one bit each;
  server admins can change who sees a command in Server Settings → Integrations;
- commands are guild-only (every event needs a community).

A spec with `on_message=True` also becomes a message context-menu command ("Apps → Report" on a
message) and its slash command gets an optional `message` option (a message link or id): both
fill `CommandInvoked.target_message_id/target_user_id/target_message_text`, and a `user` option
the context menu cannot ask for is filled with the message's author. Discord allows 5 message
context menus per application: the adapter's `message_menus` (command names) get theirs first,
the others follow in spec order until the five are used; the rest keep only the slash command's
`message` option (logged at start-up).

Invocations become `CommandInvoked` events with `message_id` = the interaction id; see
`interactions.py` for how the `Reply` comes back.
"""

from __future__ import annotations

import inspect
import keyword
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands

from adapters.discord.translate import PLATFORM, actor
from bot.commands import CommandSpec, OptionSpec
from bot.events import CommandInvoked

log = logging.getLogger(__name__)

MAX_MESSAGE_MENUS = 5
MAX_CHOICES = 25
MESSAGE_OPTION = "message"
_LINK = re.compile(
    r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/(?:\d+|@me)/(\d+)/(\d+)"
)


@dataclass(frozen=True, slots=True)
class Target:
    """The message a command was used on."""

    message_id: str | None = None
    user_id: str | None = None
    text: str | None = None


# what the adapter does with a translated invocation: (interaction, event, spec) -> awaitable
CommandHandler = Callable[[discord.Interaction, CommandInvoked, CommandSpec], Awaitable[None]]


def default_permissions(
    spec: CommandSpec, moderator: discord.Permissions
) -> discord.Permissions | None:
    if spec.permission == "admin":
        return discord.Permissions(administrator=True)
    if spec.permission == "moderator":
        return moderator
    return None


def _guild_only(command: app_commands.Command[Any, ..., None] | app_commands.ContextMenu) -> None:
    command.guild_only = True  # older clients read dm_permission
    command.allowed_contexts = app_commands.AppCommandContext(
        guild=True, dm_channel=False, private_channel=False
    )


def _param_name(option: OptionSpec) -> str:
    name = option.name
    if name.isidentifier() and not keyword.iskeyword(name):
        return name
    return "opt_" + re.sub(r"\W", "_", name)


def _annotation(option: OptionSpec) -> Any:
    if option.type == "user":
        return discord.User
    if option.type == "integer":
        return int
    if option.type == "choice" and option.choices:
        return Literal[tuple(option.choices[:MAX_CHOICES])]  # type: ignore[valid-type]
    return str


def _short(text: str, limit: int = 100) -> str:
    text = text.strip() or "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _arg_value(option: OptionSpec, value: Any) -> Any:
    if option.type == "user":
        return str(value.id)
    if option.type == "integer":
        return int(value)
    return str(value)


def menu_name(spec: CommandSpec) -> str:
    """The context-menu label: "report" → "Report", "mark_spam" → "Mark spam"."""
    label = spec.name.replace("_", " ").replace("-", " ").strip()
    return (label[:1].upper() + label[1:])[:32]


async def _fetch_target(interaction: discord.Interaction, reference: str) -> Target:
    """Resolve a message link or id typed into the `message` option."""
    m = _LINK.search(reference)
    channel_id = int(m.group(1)) if m else interaction.channel_id
    raw_id = m.group(2) if m else reference.strip()
    if not raw_id.isdigit():
        return Target()
    channel = None
    if interaction.guild is not None and channel_id is not None:
        channel = interaction.guild.get_channel_or_thread(channel_id)
    if channel is None or not hasattr(channel, "fetch_message"):
        return Target(message_id=raw_id)
    try:
        message = await channel.fetch_message(int(raw_id))
    except discord.HTTPException:
        return Target(message_id=raw_id)
    return Target(message_id=raw_id, user_id=str(message.author.id), text=message.content)


def build_event(
    interaction: discord.Interaction,
    spec: CommandSpec,
    args: dict[str, Any],
    target: Target = Target(),
) -> CommandInvoked:
    return CommandInvoked(
        platform=PLATFORM,
        community_id=str(interaction.guild_id),
        occurred_at=interaction.created_at,
        key=f"i:{interaction.id}",  # a redelivered interaction is recognised
        command=spec.name,
        actor=actor(interaction.user),
        channel_id=str(interaction.channel_id),
        args=args,
        target_message_id=target.message_id,
        target_message_text=target.text,
        target_user_id=target.user_id,
        message_id=str(interaction.id),
    )


def _fill_user_from_target(spec: CommandSpec, args: dict[str, Any], target: Target) -> None:
    if target.user_id is None:
        return
    for option in spec.options:
        if option.type == "user" and option.name not in args:
            args[option.name] = target.user_id
            return


def slash_command(
    spec: CommandSpec, handler: CommandHandler, moderator: discord.Permissions
) -> app_commands.Command[Any, ..., None]:
    params: list[inspect.Parameter] = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    names: dict[str, OptionSpec] = {}
    descriptions: dict[str, str] = {}
    renames: dict[str, str] = {}
    for option in spec.options:
        pname = _param_name(option)
        names[pname] = option
        descriptions[pname] = _short(option.description)
        if pname != option.name:
            renames[pname] = option.name
        params.append(
            inspect.Parameter(
                pname,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    takes_message = spec.on_message and MESSAGE_OPTION not in {o.name for o in spec.options}
    if takes_message:
        params.append(
            inspect.Parameter(
                MESSAGE_OPTION, inspect.Parameter.KEYWORD_ONLY, annotation=str, default=None
            )
        )
        descriptions[MESSAGE_OPTION] = "Link or id of the message this is about"

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        args = {
            option.name: _arg_value(option, values[pname])
            for pname, option in names.items()
            if values.get(pname) is not None
        }
        target = Target()
        reference = values.get(MESSAGE_OPTION) if takes_message else None
        if reference:
            target = await _fetch_target(interaction, str(reference))
            _fill_user_from_target(spec, args, target)
        await handler(interaction, build_event(interaction, spec, args, target), spec)

    callback.__name__ = callback.__qualname__ = "qunbot_slash_command"
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    if renames:
        callback.__discord_app_commands_param_rename__ = renames  # type: ignore[attr-defined]
    command = app_commands.Command(
        name=spec.name,
        description=_short(spec.description),
        callback=callback,
        extras={"qunbot_spec": spec},
    )
    command.default_permissions = default_permissions(spec, moderator)
    _guild_only(command)
    return command


def message_menu(
    spec: CommandSpec, handler: CommandHandler, moderator: discord.Permissions
) -> app_commands.ContextMenu:
    async def callback(interaction: discord.Interaction, message: discord.Message) -> None:
        target = Target(
            message_id=str(message.id), user_id=str(message.author.id), text=message.content
        )
        args: dict[str, Any] = {}
        _fill_user_from_target(spec, args, target)
        await handler(interaction, build_event(interaction, spec, args, target), spec)

    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            ),
            inspect.Parameter(
                "message", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Message
            ),
        ]
    )
    menu = app_commands.ContextMenu(
        name=menu_name(spec), callback=callback, extras={"qunbot_spec": spec}
    )
    menu.default_permissions = default_permissions(spec, moderator)
    _guild_only(menu)
    return menu


def menu_order(specs: list[CommandSpec], preferred: Sequence[str] = ()) -> list[CommandSpec]:
    """The `on_message` specs in the order they get one of Discord's few message menus: the
    `preferred` names first (in that order), then the rest in spec order."""
    candidates = [s for s in specs if s.on_message]
    rank = {name: i for i, name in enumerate(preferred)}
    unknown = [n for n in preferred if n not in {s.name for s in candidates}]
    if unknown:
        log.warning("message_menus names no on-message command: %s", ", ".join(unknown))
    return sorted(candidates, key=lambda s: rank.get(s.name, len(rank)))


def register(
    tree: app_commands.CommandTree,
    specs: list[CommandSpec],
    handler: CommandHandler,
    *,
    moderator_permissions: discord.Permissions,
    preferred_menus: Sequence[str] = (),
) -> list[str]:
    """Replace the tree's global commands with `specs`; return what was registered, e.g.
    ["/warn", "menu:Report"]. A spec Discord would reject is logged and skipped. Discord allows
    5 message menus: `preferred_menus` (command names) get theirs first."""
    tree.clear_commands(guild=None)
    registered: list[str] = []
    slash_ok: set[str] = set()
    for spec in specs:
        try:
            tree.add_command(slash_command(spec, handler, moderator_permissions), override=True)
            registered.append(f"/{spec.name}")
            slash_ok.add(spec.name)
        except (ValueError, TypeError, app_commands.AppCommandError) as exc:
            log.warning("cannot register /%s on Discord: %s", spec.name, exc)
    menus = 0
    for spec in menu_order(specs, preferred_menus):
        if spec.name not in slash_ok:
            continue
        if menus >= MAX_MESSAGE_MENUS:
            log.warning(
                "Discord allows %d message menu commands; /%s gets none (use its `message` "
                "option, or list it in adapters.discord.message_menus)",
                MAX_MESSAGE_MENUS,
                spec.name,
            )
            continue
        try:
            menu = message_menu(spec, handler, moderator_permissions)
            tree.add_command(menu, override=True)
        except (ValueError, TypeError, app_commands.AppCommandError) as exc:
            log.warning("cannot register the message menu for /%s: %s", spec.name, exc)
            continue
        menus += 1
        registered.append(f"menu:{menu.name}")
    return registered
