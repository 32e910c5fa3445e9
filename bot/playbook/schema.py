"""The playbook schema, assembled from the capabilities' own config models (as Zeppelin does
with its plugin registry): adding a capability adds its section, with its own validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, create_model, field_validator

from bot.configmodel import ConfigModel, TemplateText
from bot.rule import Capability


class CommunitySettings(ConfigModel):
    name: str = "our community"
    # IANA name such as Asia/Shanghai or Europe/Berlin: days, check-ins and schedules use it
    timezone: str = "UTC"
    # language of the built-in texts (replies, errors); playbook texts are written as you like
    language: Literal["en", "zh"] = "en"
    default_channel: str = "general"
    mod_log_channel: str | None = None
    moderator_roles: list[str] = Field(default_factory=list)
    admin_roles: list[str] = Field(default_factory=list)
    # a private message the member cannot receive (on Telegram: they never pressed Start in a
    # chat with the bot): button = a note in default_channel with an "open a chat with me" link
    # that delivers it; mention = the note without the link; none = nothing public
    dm_fallback: Literal["button", "mention", "none"] = "button"
    # shadow: every rule decides and logs, nothing is executed (try a playbook safely)
    mode: Literal["enforce", "shadow"] = "enforce"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone {value!r}: use an IANA name such as Asia/Shanghai, "
                "Europe/Berlin or UTC"
            ) from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def build_playbook_model(capabilities: Sequence[Capability]) -> type[ConfigModel]:
    fields: dict[str, Any] = {
        "version": (Literal[1], 1),
        "community": (CommunitySettings, Field(default_factory=CommunitySettings)),
        # overrides of built-in texts by key, e.g. `command.denied: "..."`
        "messages": (dict[str, TemplateText], Field(default_factory=dict)),
    }
    for cap in capabilities:
        default = cap.config if cap.enabled_by_default else _disabled(cap.config)
        fields[cap.name] = (cap.config, Field(default_factory=default, description=cap.description))
    return create_model("Playbook", __base__=ConfigModel, **fields)


def _disabled(config: type[ConfigModel]) -> Any:
    return lambda: config(enabled=False)  # type: ignore[call-arg]
