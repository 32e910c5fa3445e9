"""Built-in texts in English and Chinese, overridable per playbook (`messages:` section)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.templates import render

CORE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "command.denied": "Only {role}s can use /{command}.",
        "command.usage": "Usage: {usage}",
        "command.unknown_user": "I don't know that member. Reply to their message or mention them.",
        "command.disabled": "/{command} is not enabled in this community.",
        "playbook.reloaded": "Playbook reloaded: {path}",
        "playbook.reload_failed": "Playbook not reloaded; the old one keeps running.\n{errors}",
        "role.moderator": "moderator",
        "role.admin": "admin",
        "platform.forbidden": "I could not {action} in {community}: {detail}. "
        "Please grant me the permission; I will keep running without it.",
    },
    "zh": {
        "command.denied": "只有{role}可以使用 /{command}。",
        "command.usage": "用法：{usage}",
        "command.unknown_user": "找不到这位成员。请回复对方的消息或 @ 对方。",
        "command.disabled": "本社群未启用 /{command}。",
        "playbook.reloaded": "剧本已重新加载：{path}",
        "playbook.reload_failed": "剧本未更新，旧剧本继续运行。\n{errors}",
        "role.moderator": "管理员",
        "role.admin": "群主",
        "platform.forbidden": "我无法在 {community} 执行 {action}：{detail}。"
        "请授予我相应权限；在此之前我会继续运行。",
    },
}


@dataclass(frozen=True, slots=True)
class Texts:
    """Looks a key up: playbook override → catalogue in the community language → English."""

    language: str = "en"
    catalogue: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: CORE_TEXTS)
    overrides: Mapping[str, str] = field(default_factory=dict)

    def raw(self, key: str) -> str:
        if key in self.overrides:
            return self.overrides[key]
        for lang in (self.language, "en"):
            found = self.catalogue.get(lang, {}).get(key)
            if found is not None:
                return found
        return key

    def get(self, key: str, /, **values: Any) -> str:
        return render(self.raw(key), values)


def plural(count: int, one: str, many: str | None = None) -> str:
    """English count with the right noun: 1 case, 2 cases (`many` for irregular ones)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def merge_catalogues(*catalogues: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for catalogue in catalogues:
        for lang, entries in catalogue.items():
            merged.setdefault(lang, {}).update(entries)
    return merged
