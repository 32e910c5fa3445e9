"""`/help`: the commands the asking member may use, in the playbook's language; `/help CMD`
explains one. Pure: the runtime gives it the command specs, who enabled them and the texts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.commands import CommandSpec, OptionSpec
from bot.texts import Texts

HELP = CommandSpec(
    "help",
    "List the commands you can use, or explain one (/help warn)",
    (OptionSpec("topic", "text", "the command to explain", required=False),),
)
RANK = {"member": 0, "moderator": 1, "admin": 2}


def menu_translations() -> dict[str, dict[str, str]]:
    """Language → command → description, for platforms' localized command menus."""
    own = {"help.header", "help.unknown", "help.who", "help.start_commands"}
    return {
        lang: {k[5:]: v for k, v in entries.items() if k.startswith("help.") and k not in own}
        for lang, entries in HELP_TEXTS.items()
        if lang != "en"
    }


def description(spec: CommandSpec, texts: Texts) -> str:
    """The command's description in the community language (`help.<name>`), else the spec's."""
    key = f"help.{spec.name}"
    found = texts.raw(key)
    return spec.description if found == key else found


def usable(
    commands: Sequence[CommandSpec],
    owners: Mapping[str, str],
    playbook: Any,
    standing: str,
) -> list[CommandSpec]:
    """Commands of enabled sections (and the core's) that `standing` may use, by name."""
    out = []
    for spec in commands:
        owner = owners.get(spec.name)
        section = getattr(playbook, owner, None) if owner else None
        if owner and (section is None or not getattr(section, "enabled", True)):
            continue
        if RANK.get(standing, 0) >= RANK[spec.permission]:
            out.append(spec)
    return sorted(out, key=lambda s: s.name)


def command_list(specs: Sequence[CommandSpec], texts: Texts) -> str:
    return "\n".join(f"/{s.name} — {description(s, texts)}" for s in specs)


def help_text(specs: Sequence[CommandSpec], texts: Texts, asked: str = "") -> str:
    """The whole list, or one command (`asked`, with or without its slash) explained."""
    name = asked.strip().lstrip("/").split(" ")[0].lower()
    if not name:
        return texts.get("help.header") + "\n" + command_list(specs, texts)
    spec = next((s for s in specs if s.name == name), None)
    if spec is None:
        return texts.get("help.unknown", command=name)
    lines = [spec.usage(), description(spec, texts)]
    if spec.permission != "member":
        lines.append(texts.get("help.who", role=texts.raw(f"role.{spec.permission}")))
    return "\n".join(lines)


# descriptions of the shipped commands in Chinese (English comes from the specs)
HELP_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "help.header": "Commands you can use (/help COMMAND explains one):",
        "help.unknown": "There is no /{command} you can use here; /help lists them.",
        "help.who": "Only for {role}s.",
        "help.start_commands": "What you can do:",
    },
    "zh": {
        "help.header": "你可以使用的命令（/help 命令名 查看详细说明）：",
        "help.unknown": "这里没有你可以使用的 /{command}；/help 列出全部命令。",
        "help.who": "仅限{role}使用。",
        "help.start_commands": "你可以：",
        "help.help": "列出你可以使用的命令，或说明其中一个（/help warn）",
        "help.playbook": "从文件重新加载剧本（新剧本无效时旧剧本继续运行）",
        "help.explain": "显示哪些规则会处理一条消息及原因（不执行任何操作）",
        "help.warn": "警告成员（警告会过期；累计足够会升级处罚）",
        "help.timeout": "禁言成员一段时间",
        "help.untimeout": "解除成员的禁言",
        "help.kick": "移出成员（可以重新加入）",
        "help.ban": "封禁成员，可同时删除其最近的消息",
        "help.unban": "解除封禁",
        "help.cases": "列出最近的处理记录，或某位成员的记录",
        "help.case": "查看（或撤销）一条处理记录",
        "help.purge": "删除本频道最近的 N 条消息",
        "help.report": "向管理员举报一条消息",
        "help.spam": "标记为垃圾消息：学习并处理发送者",
        "help.notspam": "标记为正常消息：让识别器学习",
        "help.raid": "开启或关闭防刷屏入群模式",
        "help.automod": "显示哪些反垃圾规则会对一段文字生效及原因",
        "help.quiet": "不再（或用 off 重新允许）在你沉默时提醒你",
        "help.silent": "按沉默时长列出沉默成员",
        "help.checkin": "今日打卡，延续连续打卡天数",
        "help.streaks": "当前最长的连续打卡",
        "help.rank": "你的等级、进度、段位和排名",
        "help.leaderboard": "积分排行榜",
        "help.points": "给予或扣除积分（管理员）",
        "help.shop": "可用积分兑换的奖励",
        "help.redeem": "用积分兑换商店里的奖励",
        "help.faq": "常见问题列表；管理员用 /faq stats 查看统计",
        "help.calendar": "接下来的日历内容；管理员可暂停、恢复或预览",
        "help.dashboard": "获取管理后台的一次性登录链接",
        "help.mydata": "以文件形式获取机器人保存的关于你的全部数据",
        "help.forget": "删除机器人在本群保存的你的数据（管理员：删除某位成员的数据）",
        "help.invite": "你的专属邀请链接（邀请的朋友加入并留下可获得奖励）",
        "help.invites": "谁邀请来并留下的朋友最多；`campaign 名称` 查看某次活动",
        "help.referral": "成员如何加入、谁邀请了他、他又邀请了谁（管理员）",
    },
}
