"""Built-in texts of the points capability (override any key under `messages:`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "points.level_up": "🎉 {member} reached level {level}!{role_text}",
        "points.level_role": " New role: {role}.",
        "points.tier_promoted": "🏅 Welcome to {tier}: {members}. Thank you for all you do!",
        "points.rank": "{member} · level {level} {bar} {into}/{span} XP · tier {tier} · "
        "#{position} of {ranked} · {balance} points to spend",
        "points.rank_none": "{member} has no points yet. Chat, check in and help others to earn.",
        "points.leaderboard_title": "🏆 Leaderboard — {period}",
        "points.leaderboard_line": "{position}. {member} — {points}",
        "points.leaderboard_empty": "No points earned yet ({period}).",
        "points.period.week": "this week",
        "points.period.month": "this month",
        "points.period.all": "all time",
        "points.given": "+{amount} points to {member} ({reason}). Balance: {balance}.",
        "points.taken": "−{amount} points from {member} ({reason}). Balance: {balance}.",
        "points.bad_amount": "The amount must be a whole number from 1 to {max}.",
        "points.bad_action": "Use /points give or /points take.",
        "points.no_member": "Which member? Mention them or reply to their message.",
        "points.no_reason": "no reason given",
        "points.shop_title": "🛒 Shop — you have {balance} points. Redeem with /redeem ITEM",
        "points.shop_line": "• {item}: {name} — {cost} points{stock}{description}",
        "points.shop_left": " ({left} left)",
        "points.shop_empty": "The shop is empty for now.",
        "points.redeemed": "✅ {member} redeemed {name} for {cost} points (balance {balance}). "
        "A moderator will be in touch.",
        "points.redeem_alert": "🛒 {member} redeemed {name} [{item}] for {cost} points. "
        "Please fulfil it.",
        "points.redeem_unknown": "There is no item “{item}”. See /shop for what you can redeem.",
        "points.redeem_poor": "{name} costs {cost} points; you have {balance}.",
        "points.redeem_sold_out": "{name} is sold out, sorry.",
        "points.wrong_place": "Please use /{command} in {channels}.",
    },
    "zh": {
        "points.level_up": "🎉 恭喜 {member} 升到 {level} 级！{role_text}",
        "points.level_role": "获得身份：{role}。",
        "points.tier_promoted": "🏅 欢迎晋升「{tier}」：{members}。感谢你们的付出！",
        "points.rank": "{member} · {level} 级 {bar} {into}/{span} 经验 · 等级「{tier}」· "
        "第 {position} 名（共 {ranked} 人）· 可用积分 {balance}",
        "points.rank_none": "{member} 还没有积分。聊天、打卡、帮助他人都能获得积分。",
        "points.leaderboard_title": "🏆 积分榜 — {period}",
        "points.leaderboard_line": "{position}. {member} — {points}",
        "points.leaderboard_empty": "{period}还没有人获得积分。",
        "points.period.week": "本周",
        "points.period.month": "本月",
        "points.period.all": "总榜",
        "points.given": "已给 {member} 加 {amount} 积分（{reason}）。当前余额：{balance}。",
        "points.taken": "已扣除 {member} {amount} 积分（{reason}）。当前余额：{balance}。",
        "points.bad_amount": "积分数必须是 1 到 {max} 之间的整数。",
        "points.bad_action": "请使用 /points give 或 /points take。",
        "points.no_member": "请 @ 对方或回复对方的消息，指明是哪位成员。",
        "points.no_reason": "未注明原因",
        "points.shop_title": "🛒 积分商城 — 你有 {balance} 积分。用 /redeem 商品编号 兑换",
        "points.shop_line": "• {item}：{name} — {cost} 积分{stock}{description}",
        "points.shop_left": "（剩 {left} 件）",
        "points.shop_empty": "商城暂时没有商品。",
        "points.redeemed": "✅ {member} 用 {cost} 积分兑换了 {name}（余额 {balance}）。"
        "管理员会尽快联系你。",
        "points.redeem_alert": "🛒 {member} 用 {cost} 积分兑换了 {name} [{item}]，请尽快发放。",
        "points.redeem_unknown": "没有“{item}”这件商品。发送 /shop 查看可兑换的商品。",
        "points.redeem_poor": "{name} 需要 {cost} 积分，你目前有 {balance}。",
        "points.redeem_sold_out": "{name} 已兑完。",
        "points.wrong_place": "请在 {channels} 使用 /{command}。",
    },
}
