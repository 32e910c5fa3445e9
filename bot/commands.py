"""Platform-neutral command specs. Adapters register them as slash commands (Discord app
commands, Telegram bot commands, console `/name`) and translate invocations to `CommandInvoked`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

OptionType = Literal["user", "text", "integer", "duration", "choice"]
Permission = Literal["member", "moderator", "admin"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    type: OptionType
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    # integer options: the values accepted (the default fits a database INTEGER column); a
    # value outside is answered by the engine with `command.bad_number`, never passed on
    minimum: int = 1
    maximum: int = 2**31 - 1
    checked_by_rule: bool = False  # True: the rule checks the number itself, and answers


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


_WHOLE = re.compile(r"^#?[+-]?\d{1,40}$")


def whole_number(value: Any) -> int | None:
    """An integer option's value as typed (`12`, `"12"`, `"#12"`), or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE.match(value.strip()):
        return int(value.strip().lstrip("#"))
    return None


def argument_problem(spec: CommandSpec, args: Mapping[str, Any]) -> OptionSpec | None:
    """The first integer option whose value is not a whole number within its range."""
    for option in spec.options:
        value = args.get(option.name)
        if option.type != "integer" or option.checked_by_rule or value is None or value == "":
            continue
        number = whole_number(args[option.name])
        if number is None or not option.minimum <= number <= option.maximum:
            return option
    return None
