"""Built-in texts in English and Chinese, overridable per playbook (`messages:` section)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.templates import render

CORE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "command.denied": "Only {role}s can use /{command}.",
        "store.down": "⚠️ The database cannot be reached. I keep moderating and counting from "
        "memory; cases, points and check-ins are written as soon as it is back.",
        "command.usage": "Usage: {usage}",
        "command.bad_number": "{option} must be a whole number from {minimum} to {maximum} "
        "(not {value}). Usage: {usage}",
        "command.unknown_user": "I don't know that member. Reply to their message or mention them.",
        "command.disabled": "/{command} is not enabled in this community.",
        "playbook.reloaded": "Playbook reloaded: {path}",
        "playbook.reload_failed": "Playbook not reloaded; the old one keeps running.\n{errors}",
        "role.moderator": "moderator",
        "role.admin": "admin",
        "platform.forbidden": "I could not {action} in {community}: {detail}. "
        "Please grant me the permission; I will keep running without it.",
        "dm.fallback": "{member}, I have a private message for you, but I can only write to you "
        "once you open a chat with me.",
        "dm.fallback_button": "Open a chat with me",
        "dm.start": "Hi {member}! I am the bot of {community}; I can write to you here now.",
    },
    "zh": {
        "command.denied": "只有{role}可以使用 /{command}。",
        "store.down": "⚠️ 数据库暂时无法连接。我会继续根据内存中的状态管理和计数；"
        "案件、积分和打卡会在数据库恢复后立即写入。",
        "command.usage": "用法：{usage}",
        "command.bad_number": "{option} 必须是 {minimum} 到 {maximum} 之间的整数"
        "（而不是 {value}）。用法：{usage}",
        "command.unknown_user": "找不到这位成员。请回复对方的消息或 @ 对方。",
        "command.disabled": "本社群未启用 /{command}。",
        "playbook.reloaded": "剧本已重新加载：{path}",
        "playbook.reload_failed": "剧本未更新，旧剧本继续运行。\n{errors}",
        "role.moderator": "管理员",
        "role.admin": "群主",
        "platform.forbidden": "我无法在 {community} 执行 {action}：{detail}。"
        "请授予我相应权限；在此之前我会继续运行。",
        "dm.fallback": "{member}，我有一条私信要发给你，但需要你先打开与我的私聊。",
        "dm.fallback_button": "打开私聊",
        "dm.start": "你好，{member}！我是{community}的机器人，现在可以在这里给你发消息了。",
    },
}


# Words moderators read inside other texts: case types, rule titles, weekdays, duration units.
# `Texts.get` puts them in for the placeholders {action}, {by}, {rule}, {duration}, {reason}, so
# a case log never shows an internal name (`antispam.广告`, `delete`) or an English reason.
VALUE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "case.delete": "delete", "case.delete_message": "delete message", "case.warn": "warn",
        "case.timeout": "timeout", "case.untimeout": "timeout lifted",
        "case.remove_timeout": "timeout lifted", "case.kick": "kick", "case.ban": "ban",
        "case.unban": "unban", "case.spam": "spam",
        "rule.named": "{capability} rule '{name}'",
        "capability.antispam": "anti-spam", "capability.moderation": "moderation",
        "capability.welcome": "welcome", "capability.checkin": "check-in",
        "capability.points": "points", "capability.reactivation": "reactivation",
        "capability.faq": "FAQ", "capability.calendar": "calendar", "capability.report": "report",
        "rule.antispam.spam_command": "/spam", "rule.antispam.raid": "raid mode",
        "rule.moderation.lift_timeouts": "timeout end", "rule.moderation.punish": "moderator",
        "weekday.0": "Mon", "weekday.1": "Tue", "weekday.2": "Wed", "weekday.3": "Thu",
        "weekday.4": "Fri", "weekday.5": "Sat", "weekday.6": "Sun",
        "list.separator": ", ",
    },
    "zh": {
        "case.delete": "删除消息", "case.delete_message": "删除消息", "case.warn": "警告",
        "case.timeout": "禁言", "case.untimeout": "解除禁言", "case.remove_timeout": "解除禁言",
        "case.kick": "踢出", "case.ban": "封禁", "case.unban": "解封", "case.spam": "垃圾消息",
        "rule.named": "{capability}规则「{name}」",
        "capability.antispam": "反垃圾", "capability.moderation": "管理",
        "capability.welcome": "欢迎", "capability.checkin": "打卡", "capability.points": "积分",
        "capability.reactivation": "沉默唤醒", "capability.faq": "常见问题",
        "capability.calendar": "内容日历", "capability.report": "周报",
        "rule.antispam.spam_command": "/spam 举报处理", "rule.antispam.raid": "防刷屏入群模式",
        "rule.moderation.lift_timeouts": "禁言到期", "rule.moderation.punish": "管理员",
        "weekday.0": "周一", "weekday.1": "周二", "weekday.2": "周三", "weekday.3": "周四",
        "weekday.4": "周五", "weekday.5": "周六", "weekday.6": "周日",
        "list.separator": "、",
        "unit.s": "秒", "unit.m": "分钟", "unit.h": "小时", "unit.d": "天", "unit.w": "周",
    },
}  # fmt: skip

# Reasons the anti-spam triggers write (in English, stored with the case), as moderators of a
# Chinese community read them. A reason no pattern knows is shown as written.
REASONS: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "zh": [
        (re.compile(p), r)
        for p, r in (
            (r"^invite link: (.+)$", r"邀请链接：\1"),
            (r"^keyword '(.+?)' \(written '(.+?)'\)$", r"关键词「\1」（原文写作「\2」）"),
            (r"^keyword '(.+?)'(.*)$", r"关键词「\1」\2"),
            (r"^link to a denied domain: (.+)$", r"禁止的链接域名：\1"),
            (r"^link to (.+), which is not on the allow list$", r"链接 \1 不在允许名单中"),
            (r"^flood: (\d+) messages in (\S+)(.*)$", r"刷屏：\2 内 \1 条消息\3"),
            (r"^mention spam: (\d+) mentions \(limit (\d+)\)$", r"@ 过多：\1 次（上限 \2）"),
            (r"^emoji spam: (\d+) emoji \(limit (\d+)\)$", r"表情过多：\1 个（上限 \2）"),
            (r"^caps: (\d+) of (\d+) letters are capitals$", r"大写过多：\2 个字母中 \1 个大写"),
            (r"^repeated characters: (.+) (\d+) times in a row$", r"重复字符：\1 连续 \2 次"),
            (r"^regex '(.+)' matched '(.+)'$", r"正则 \1 匹配到「\2」"),
            (r"^classifier: (.+)$", r"垃圾消息识别：\1"),
            (r"^newcomer link \((.+)\)$", r"新成员发链接（\1）"),
            (r"^newcomer media \((.+)\)$", r"新成员发图片或文件（\1）"),
            (r"^newcomer mention \((.+)\)$", r"新成员 @ 他人（\1）"),
            (r"^newcomer forward \((.+)\)$", r"新成员转发消息（\1）"),
            (r"^/(\w+)$", r"/\1"),
        )
    ]
}
_LISTS = frozenset({"members", "entries", "names", "actions"})
_DURATION = re.compile(r"\b(\d+)([smhdw])\b")
_CAPABILITIES = frozenset(
    ("antispam", "moderation", "welcome", "checkin", "points", "reactivation", "faq", "calendar")
    + ("report", "core")
)


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
        return render(self.raw(key), {k: self.localize(k, v) for k, v in values.items()})

    def _value_text(self, key: str) -> str | None:
        for lang in (self.language, "en"):
            found = self.overrides.get(key) or VALUE_TEXTS.get(lang, {}).get(key)
            if found is not None:
                return found
        return None

    def case_type(self, kind: str) -> str:
        return self._value_text(f"case.{kind}") or kind

    def rule_title(self, rule: str) -> str:
        """A rule's title instead of its internal name: `antispam.广告` → 反垃圾规则「广告」."""
        capability, _, name = rule.partition(".")
        if capability not in _CAPABILITIES or not name:
            return rule
        fixed = self._value_text(f"rule.{rule}")
        if fixed is not None:
            return fixed
        title = self._value_text(f"capability.{capability}") or capability
        named = self._value_text("rule.named") or "{name}"
        return render(named, {"capability": title, "name": name})

    def duration(self, text: str) -> str:
        """`10m` as `10 分钟` in Chinese; English keeps the short form."""
        if self.language == "en":
            return text
        return _DURATION.sub(
            lambda m: f"{m.group(1)} {self._value_text('unit.' + m.group(2)) or m.group(2)}", text
        )

    def reason(self, text: str) -> str:
        out = []
        for part in text.split("; "):
            for pattern, replacement in REASONS.get(self.language, ()):
                if pattern.match(part):
                    part = pattern.sub(replacement, part)
                    break
            out.append(part)
        return ("；" if self.language == "zh" else "; ").join(out)

    def weekday(self, index: int) -> str:
        return self._value_text(f"weekday.{index}") or str(index)

    def join(self, items: list[str]) -> str:
        return (self._value_text("list.separator") or ", ").join(items)

    def localize(self, name: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if name == "action":
            return self.case_type(value)
        if name in ("by", "rule"):
            return self.rule_title(value)
        if name == "duration":
            return self.duration(value)
        if name == "reason":
            return self.reason(value)
        if name in _LISTS and self.language != "en":  # lists joined with ", " by the rules
            return value.replace(", ", self._value_text("list.separator") or ", ")
        return value


def plural(count: int, one: str, many: str | None = None) -> str:
    """English count with the right noun: 1 case, 2 cases (`many` for irregular ones)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def merge_catalogues(*catalogues: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for catalogue in catalogues:
        for lang, entries in catalogue.items():
            merged.setdefault(lang, {}).update(entries)
    return merged
