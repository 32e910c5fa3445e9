"""Built-in texts of check-ins (override any key under `messages:`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "checkin.done": "✅ {member} checked in — streak {streak} (best {best}), "
        "#{rank} today. +{points} points.{note}",
        "checkin.freeze_note": " ❄️ A streak freeze covered the day you missed ({freezes} left).",
        "checkin.freeze_earned": " You earned a streak freeze ({freezes} in hand).",
        "checkin.already": "{member}, you already checked in today — streak {streak} "
        "(best {best}). See you tomorrow!",
        "checkin.milestone": "🔥 {member} has checked in {days} days in a row! +{points} points.",
        "checkin.reminder_channel": "⏰ Don't lose your streak: {members}, check in today!",
        "checkin.reminder_direct": "⏰ {member}, your {streak}-day streak ends tonight unless you "
        "check in in {community}.",
        "checkin.streaks_title": "🔥 Check-in streaks",
        "checkin.streaks_line": "{position}. {member} — {streak} days (best {best})",
        "checkin.streaks_empty": "Nobody has a streak going yet. Be the first: /checkin",
        "checkin.wrong_place": "Please check in in {channels}.",
    },
    "zh": {
        "checkin.done": "✅ {member} 打卡成功！已连续打卡 {streak} 天（最长 {best} 天），"
        "今日第 {rank} 位，+{points} 积分。{note}",
        "checkin.freeze_note": "❄️ 已自动使用补签卡保住连续记录（剩 {freezes} 张）。",
        "checkin.freeze_earned": "获得一张补签卡（共 {freezes} 张）。",
        "checkin.already": "{member}，你今天已经打过卡啦——已连续 {streak} 天（最长 {best} 天）。"
        "明天见！",
        "checkin.milestone": "🔥 {member} 已连续打卡 {days} 天！奖励 {points} 积分。",
        "checkin.reminder_channel": "⏰ {members}，今天还没打卡哦，别让连续记录断了！",
        "checkin.reminder_direct": "⏰ {member}，你已连续打卡 {streak} 天，今天还没在 {community} "
        "打卡，别断了哦！",
        "checkin.streaks_title": "🔥 连续打卡榜",
        "checkin.streaks_line": "{position}. {member} — {streak} 天（最长 {best} 天）",
        "checkin.streaks_empty": "还没有人连续打卡。来做第一个吧：/checkin",
        "checkin.wrong_place": "请在 {channels} 打卡。",
    },
}
