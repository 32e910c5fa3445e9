"""Built-in texts of the calendar (a playbook's `messages:` section overrides any key)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "calendar.upcoming_header": "Next calendar posts ({timezone}):",
        "calendar.upcoming_line": "{when} · {entry} → #{channel}",
        "calendar.paused_list": "Paused: {entries}",
        "calendar.none": "No calendar posts are scheduled.",
        "calendar.need_entry": "Name the entry: /calendar {action} ENTRY (one of: {entries})",
        "calendar.unknown_entry": "There is no calendar entry '{entry}'. Entries: {entries}.",
        "calendar.did_you_mean": " Did you mean '{entry}'?",
        "calendar.paused": "Paused '{entry}': its posts are skipped until "
        "/calendar resume {entry}.",
        "calendar.resumed": "Resumed '{entry}'. Next post: {when}.",
        "calendar.already_paused": "'{entry}' is already paused.",
        "calendar.not_paused": "'{entry}' is not paused.",
        "calendar.preview": "Preview of '{entry}' for {when} in #{channel}:",
        "calendar.preview_poll": "📊 Poll: {question} — {options}",
        "calendar.preview_image": "🖼 Image: {image}",
        "calendar.preview_paused": "(paused: this post will be skipped unless "
        "'{entry}' is resumed)",
        "calendar.preview_none": "'{entry}' has no post left to schedule.",
        "calendar.failed": "⚠️ The calendar post '{entry}' due {when} could not be sent "
        "({detail}). It was not counted as posted.",
    },
    "zh": {
        "calendar.upcoming_header": "即将发布的内容日历（{timezone}）：",
        "calendar.upcoming_line": "{when} · {entry} → #{channel}",
        "calendar.paused_list": "已暂停：{entries}",
        "calendar.none": "内容日历中暂无待发布的内容。",
        "calendar.need_entry": "请指定条目：/calendar {action} 条目名（可选：{entries}）",
        "calendar.unknown_entry": "没有名为「{entry}」的日历条目。现有条目：{entries}。",
        "calendar.did_you_mean": " 您是指「{entry}」吗？",
        "calendar.paused": "已暂停「{entry}」：在 /calendar resume {entry} 之前不会发布。",
        "calendar.resumed": "已恢复「{entry}」。下一次发布：{when}。",
        "calendar.already_paused": "「{entry}」已经是暂停状态。",
        "calendar.not_paused": "「{entry}」没有被暂停。",
        "calendar.preview": "「{entry}」的预览（{when}，发布到 #{channel}）：",
        "calendar.preview_poll": "📊 投票：{question} — {options}",
        "calendar.preview_image": "🖼 图片：{image}",
        "calendar.preview_paused": "（已暂停：除非恢复「{entry}」，否则这条不会发布）",
        "calendar.preview_none": "「{entry}」已没有待发布的内容。",
        "calendar.failed": "⚠️ 内容日历「{entry}」原定 {when} 的帖子发送失败（{detail}），"
        "不计为已发布。",
    },
}
