"""Built-in texts of silent-member reactivation (override any key under `messages:`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "reactivation.direct": "Hi {member}, we haven't heard from you in {community} for "
        "{days} days — we miss you! Drop by and say hi? (Reply /quiet to stop these.)",
        "reactivation.digest": "👋 We miss you: {members}! Come and tell us what you've been up "
        "to.",
        "reactivation.comeback": "🎉 Welcome back, {member}! +{points} points.",
        "reactivation.quiet": "Done: I won't nudge you when you're quiet. /quiet off to undo.",
        "reactivation.unquiet": "Done: you may get a friendly nudge again when you're quiet.",
        "reactivation.silent_title": "Silent members",
        "reactivation.silent_tier": "{days}+ days ({count}): {members}",
        "reactivation.silent_none": "Nobody has been silent for {days} days or more.",
        "reactivation.rate_title": "Nudges of the last {days} days (came back within {window}):",
        "reactivation.rate_line": "step {step} ({after}): {returned} of {nudged} came back "
        "({rate})",
    },
    "zh": {
        "reactivation.direct": "{member} 你好，已经 {days} 天没在 {community} 见到你了，"
        "大家都很想你！有空来聊聊吧～（回复 /quiet 可不再收到此类提醒）",
        "reactivation.digest": "👋 好久不见：{members}！来和大家聊聊最近在忙什么吧～",
        "reactivation.comeback": "🎉 欢迎回来，{member}！奖励 {points} 积分。",
        "reactivation.quiet": "好的，你沉默时我不会再打扰你。发送 /quiet off 可恢复。",
        "reactivation.unquiet": "好的，你沉默较久时我会再友好地提醒你。",
        "reactivation.silent_title": "沉默成员",
        "reactivation.silent_tier": "{days} 天以上（{count} 人）：{members}",
        "reactivation.silent_none": "没有沉默 {days} 天以上的成员。",
        "reactivation.rate_title": "最近 {days} 天的唤醒效果（{window} 内回来发言）：",
        "reactivation.rate_line": "第 {step} 步（沉默 {after}）：{nudged} 人中 {returned} 人"
        "回来（{rate}）",
    },
}
