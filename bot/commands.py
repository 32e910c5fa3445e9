"""Platform-neutral command specs. Adapters register them as slash commands (Discord app
commands, Telegram bot commands, console `/name`) and translate invocations to `CommandInvoked`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OptionType = Literal["user", "text", "integer", "duration", "choice"]
Permission = Literal["member", "moderator", "admin"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    type: OptionType
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """`CommandInvoked.args` maps option names to values: a user option holds the user id,
    integer an int, text/duration/choice the text as typed (rules parse durations)."""

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    permission: Permission = "member"
    # used on a message: reply-to on Telegram, a message context menu on Discord; the engine
    # receives it as CommandInvoked.target_message_id / target_user_id / target_message_text
    on_message: bool = False

    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for opt in self.options:
            label = "|".join(opt.choices) if opt.choices else opt.name
            parts.append(f"<{label}>" if opt.required else f"[{label}]")
        return " ".join(parts)
