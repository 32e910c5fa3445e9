"""Member- and moderator-visible texts of moderation and anti-spam (overridable by key in the
playbook's `messages:` section)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "mod.warned": "{member}, you have been warned: {reason}",
        "mod.case_log": "📋 Case #{number} · {action} · {member} · by {by}{duration}\n"
        "Reason: {reason}{evidence}",
        "mod.case_log_public": "📋 Case #{number} · {action} · {member} · by {by}{duration}",
        "mod.not_done": "⚠️ {action} was NOT done: {detail}",
        "mod.nothing_done": "Nothing done to {member}: a heavier restriction is in force.",
        "mod.case_not_done": " ⚠️ not done: {actions}",
        "mod.case_reversed_log": "↩️ Case #{number} ({action} · {member}) reversed by {moderator}",
        "mod.done": "Case #{number}: {action} {member}{duration}. Reason: {reason}",
        "mod.protected": "I don't take action against moderators, admins or bots ({member}).",
        "mod.unknown_target": (
            "I can't find {member} in this community, so I did nothing. Use the command on "
            "one of their messages, or check the id."
        ),
        "mod.not_self": "You cannot use /{command} on yourself.",
        "mod.bad_duration": "I could not read the duration {value}: {problem}",
        "mod.no_case": "There is no case #{number}.",
        "mod.case_detail": "Case #{number} · {action} · {member}\nBy: {by} · {when}{duration}"
        "\nReason: {reason}{not_done}{evidence}{reversed}",
        "mod.case_reversed_suffix": "\nReversed by {moderator} at {when}",
        "mod.cases_none": "{member} has no cases.",
        "mod.cases_header": "Cases of {member} ({weight} active warning points):",
        "mod.case_line": "#{number} {when} {action}{duration} — {reason}{not_done}{reversed}",
        "mod.cases_recent_header": "Latest cases:",
        "mod.cases_recent_none": "No cases yet.",
        "mod.case_line_member": "#{number} {when} {member}: {action}{duration} — {reason}"
        "{not_done}{reversed}",
        "mod.reversed": "Case #{number} ({action} {member}) reversed by {moderator}.",
        "mod.already_reversed": "Case #{number} was already reversed by {moderator}.",
        "mod.nothing_to_reverse": "{member} has no open {action} case.",
        "mod.purged": "Deleted {count} messages.",
        "mod.purged_kept": "Deleted {count} messages; kept {kept} by moderators, admins or bots "
        "(/purge {asked} all deletes those too).",
        "mod.report_sent": "Thanks — the moderators have been told.",
        "mod.report_limited": "You have sent several reports recently; please wait a little.",
        "mod.report_alert": "🚩 {reporter} reported a message by {member} in #{channel}:\n"
        "> {excerpt}",
        "mod.report_alert_public": "🚩 {reporter} reported a message by {member}; moderators, "
        "please have a look.",
        "mod.report_needs_message": "Use /report on the message you want to report.",
        "mod.escalation": "{weight} active warning points (escalation ladder)",
        "antispam.alert": "🚨 {rule}: {member} in #{channel} — {reason}\n> {excerpt}",
        "antispam.alert_public": "🚨 {rule}: a message by {member} was handled; moderators, "
        "please have a look.",
        "antispam.raid_on": "🚨 Raid mode ON ({why}). Newcomers are {restriction} until it "
        "ends; it ends by itself after {quiet} without a join surge, or with /raid off.",
        "antispam.raid_off": "✅ Raid mode off ({why}).",
        "antispam.raid_already": "Raid mode is already {state}.",
        "antispam.spam_learned": "Learned as spam. {member} handled: {actions}.",
        "antispam.ham_learned": "Learned as not spam. Thanks!",
        "antispam.needs_message": "Use /{command} on a message (reply to it, or the message menu).",
    },
    "zh": {
        "mod.warned": "{member}，你收到一次警告：{reason}",
        "mod.case_log": "📋 案例 #{number} · {action} · {member} · 执行者 {by}{duration}\n"
        "原因：{reason}{evidence}",
        "mod.case_log_public": "📋 案例 #{number} · {action} · {member} · 执行者 {by}{duration}",
        "mod.not_done": "⚠️ {action} 未能执行：{detail}",
        "mod.nothing_done": "未对 {member} 执行任何操作：已有更重的处罚在生效。",
        "mod.case_not_done": " ⚠️ 未执行：{actions}",
        "mod.case_reversed_log": "↩️ 案例 #{number}（{action} · {member}）已被 {moderator} 撤销",
        "mod.done": "案例 #{number}：{action} {member}{duration}。原因：{reason}",
        "mod.protected": "我不会对管理员、群主或机器人（{member}）执行处罚。",
        "mod.unknown_target": (
            "在本群找不到 {member}，所以没有执行任何操作。请对其消息使用该命令，或检查 ID。"
        ),
        "mod.not_self": "不能对自己使用 /{command}。",
        "mod.bad_duration": "无法识别时长 {value}：{problem}",
        "mod.no_case": "没有编号为 #{number} 的案例。",
        "mod.case_detail": "案例 #{number} · {action} · {member}\n执行者：{by} · {when}{duration}"
        "\n原因：{reason}{not_done}{evidence}{reversed}",
        "mod.case_reversed_suffix": "\n已被 {moderator} 于 {when} 撤销",
        "mod.cases_none": "{member} 没有任何案例记录。",
        "mod.cases_header": "{member} 的案例（当前有效警告 {weight} 分）：",
        "mod.case_line": "#{number} {when} {action}{duration} — {reason}{not_done}{reversed}",
        "mod.cases_recent_header": "最近的案例：",
        "mod.cases_recent_none": "还没有任何案例记录。",
        "mod.case_line_member": "#{number} {when} {member}：{action}{duration} — {reason}"
        "{not_done}{reversed}",
        "mod.reversed": "案例 #{number}（{action} {member}）已被 {moderator} 撤销。",
        "mod.already_reversed": "案例 #{number} 此前已被 {moderator} 撤销。",
        "mod.nothing_to_reverse": "{member} 没有未撤销的 {action} 案例。",
        "mod.purged": "已删除 {count} 条消息。",
        "mod.purged_kept": "已删除 {count} 条消息；保留了管理员、群主或机器人的 {kept} 条"
        "（/purge {asked} all 可一并删除）。",
        "mod.report_sent": "谢谢，已通知管理员。",
        "mod.report_limited": "你最近举报次数较多，请稍后再试。",
        "mod.report_alert": "🚩 {reporter} 举报了 {member} 在 #{channel} 的消息：\n> {excerpt}",
        "mod.report_alert_public": "🚩 {reporter} 举报了 {member} 的一条消息，请管理员查看。",
        "mod.report_needs_message": "请对要举报的消息使用 /report（回复该消息）。",
        "mod.escalation": "有效警告累计 {weight} 分（升级处罚）",
        "antispam.alert": "🚨 {rule}：{member} 在 #{channel} — {reason}\n> {excerpt}",
        "antispam.alert_public": "🚨 {rule}：已处理 {member} 的一条消息，请管理员查看。",
        "antispam.raid_on": "🚨 已开启防刷屏入群模式（{why}）。新成员将被{restriction}，"
        "直到模式结束；{quiet} 内没有集中入群会自动结束，也可用 /raid off 关闭。",
        "antispam.raid_off": "✅ 防刷屏入群模式已关闭（{why}）。",
        "antispam.raid_already": "防刷屏入群模式已经是{state}状态。",
        "antispam.spam_learned": "已学习为垃圾消息。已处理 {member}：{actions}。",
        "antispam.ham_learned": "已学习为正常消息，谢谢！",
        "antispam.needs_message": "请对一条消息使用 /{command}（回复该消息）。",
    },
}
