"""Built-in texts of the referrals capability (override any key under `messages:`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "referrals.link": "🔗 Your personal invite link: {link}\nEveryone who joins through it, "
        "stays {days} days and writes {messages} messages earns you {points} points. "
        "So far {count} stayed.",
        "referrals.joined": "👋 {invitee} joined through your invite link. If they stay {days} "
        "days and write {messages} messages, you earn {points} points.",
        "referrals.rewarded": "🎉 {invitee}, whom you invited, stayed with us: +{points} points "
        "({count} invited so far).{role_text}",
        "referrals.link_no_points": "🔗 Your personal invite link: {link}\nEveryone who joins "
        "through it, stays {days} days and writes {messages} messages counts for you. "
        "So far {count} stayed.",
        "referrals.joined_no_points": "👋 {invitee} joined through your invite link. They count "
        "for you once they stay {days} days and write {messages} messages.",
        "referrals.rewarded_no_points": "🎉 {invitee}, whom you invited, stayed with us — thank "
        "you! ({count} invited so far).{role_text}",
        "referrals.revoked_no_points": "{invitee} left soon after joining: they no longer count "
        "for you.",
        "referrals.role": " New role: {role}.",
        "referrals.revoked": "{invitee} left soon after joining: the {points} points for inviting "
        "them were taken back.",
        "referrals.goal": "🏅 {member} reached the goal of {campaign}: {goal} invited friends "
        "stayed!{role_text}",
        "referrals.board_title": "📨 Invites — friends who joined and stayed",
        "referrals.campaign_title": "📣 {campaign} · {start} – {end}{goal_text}",
        "referrals.campaign_goal": " · goal: {goal} friends who stay",
        "referrals.board_line": "{position}. {member} — {count}",
        "referrals.board_empty": "No invited friend has stayed long enough yet.",
        "referrals.board_mine": "You: {count} stayed, {pending} still counting. Get your link "
        "with /invite.",
        "referrals.campaign_active": "Campaign running: {campaigns} (/invites campaign NAME).",
        "referrals.campaign_unknown": "There is no campaign “{name}”. Campaigns: {names}.",
        "referrals.no_campaigns": "none",
        "referrals.closing": "🏁 {campaign} is over! {invitees} invited friends stayed. "
        "Winners:\n{winners}\nThank you all for bringing your friends!",
        "referrals.closing_empty": "🏁 {campaign} is over. No invited friend stayed long enough "
        "this time — thank you for trying!",
        "referrals.winner": "{position}. {member} ({count})",
        "referrals.flood": "⚠️ {joins} joins through {member}'s invite link within {window}: "
        "these joins earn nothing. Link: {link}",
        "referrals.info": "{member}: joined {joined} {source}; {status}. Invited {count} who "
        "stayed, {pending} still counting. Link: {link}",
        "referrals.info_unknown": "{member} has no join on record.",
        "referrals.no_member": "Which member? Mention them or reply to their message.",
        "referrals.no_link": "none yet",
        "referrals.source.member": "through {inviter}'s link",
        "referrals.source.link": "through a link that is nobody's ({invite})",
        "referrals.source.unknown": "through an unknown invite ({note})",
        "referrals.source.none": "without an invite link",
        "referrals.status.pending": "counting until {due}",
        "referrals.status.rewarded": "rewarded the inviter",
        "referrals.status.left": "left within the window",
        "referrals.status.punished": "was punished within the window",
        "referrals.status.inactive": "did not write enough",
        "referrals.status.capped": "inviter's cap reached",
        "referrals.status.ineligible": "earns nothing ({note})",
        "referrals.status.revoked": "reward taken back",
        "referrals.status.none": "no inviter",
    },
    "zh": {
        "referrals.link": "🔗 你的专属邀请链接：{link}\n通过它加入、留满 {days} 天并发言 "
        "{messages} 条的好友，每位为你带来 {points} 积分。目前已有 {count} 位留下。",
        "referrals.joined": "👋 {invitee} 通过你的邀请链接加入了。TA 留满 {days} 天并发言 "
        "{messages} 条后，你将获得 {points} 积分。",
        "referrals.rewarded": "🎉 你邀请的 {invitee} 留下来了：+{points} 积分（累计邀请 {count} "
        "位）。{role_text}",
        "referrals.link_no_points": "🔗 你的专属邀请链接：{link}\n通过它加入、留满 {days} "
        "天并发言 {messages} 条的好友都会记在你名下。目前已有 {count} 位留下。",
        "referrals.joined_no_points": "👋 {invitee} 通过你的邀请链接加入了。TA 留满 {days} "
        "天并发言 {messages} 条后就会记在你名下。",
        "referrals.rewarded_no_points": "🎉 你邀请的 {invitee} 留下来了，谢谢你！（累计邀请 "
        "{count} 位）。{role_text}",
        "referrals.revoked_no_points": "{invitee} 加入后不久就离开了，不再计入你的邀请。",
        "referrals.role": "获得身份：{role}。",
        "referrals.revoked": "{invitee} 加入后不久就离开了：邀请所得的 {points} 积分已收回。",
        "referrals.goal": "🏅 {member} 完成了「{campaign}」的目标：邀请的 {goal} 位好友都留下来了！"
        "{role_text}",
        "referrals.board_title": "📨 邀请榜 — 邀请并留下的好友",
        "referrals.campaign_title": "📣 {campaign} · {start} 至 {end}{goal_text}",
        "referrals.campaign_goal": " · 目标：邀请 {goal} 位好友并留下",
        "referrals.board_line": "{position}. {member} — {count}",
        "referrals.board_empty": "还没有被邀请的好友留满时间。",
        "referrals.board_mine": "你：已留下 {count} 位，考察中 {pending} 位。发送 /invite "
        "获取你的专属链接。",
        "referrals.campaign_active": "进行中的活动：{campaigns}（发送 /invites campaign 活动名 "
        "查看排行）。",
        "referrals.campaign_unknown": "没有名为「{name}」的活动。现有活动：{names}。",
        "referrals.no_campaigns": "无",
        "referrals.closing": "🏁「{campaign}」结束啦！共有 {invitees} 位受邀好友留了下来。"
        "获奖名单：\n{winners}\n感谢大家邀请好友加入！",
        "referrals.closing_empty": "🏁「{campaign}」结束了。这次没有受邀好友留满时间——"
        "感谢大家的参与！",
        "referrals.winner": "{position}. {member}（{count} 位）",
        "referrals.flood": "⚠️ {window} 内有 {joins} 人通过 {member} 的邀请链接加入："
        "这些加入不计奖励。链接：{link}",
        "referrals.info": "{member}：{joined} {source}加入；{status}。已邀请并留下 {count} 位，"
        "考察中 {pending} 位。链接：{link}",
        "referrals.info_unknown": "没有 {member} 的加入记录。",
        "referrals.no_member": "请 @ 对方或回复对方的消息，指明是哪位成员。",
        "referrals.no_link": "尚未生成",
        "referrals.source.member": "通过 {inviter} 的链接",
        "referrals.source.link": "通过一个不属于任何成员的链接（{invite}）",
        "referrals.source.unknown": "通过无法确定的邀请（{note}）",
        "referrals.source.none": "未通过邀请链接",
        "referrals.status.pending": "考察至 {due}",
        "referrals.status.rewarded": "邀请人已获奖励",
        "referrals.status.left": "考察期内离开",
        "referrals.status.punished": "考察期内受到处罚",
        "referrals.status.inactive": "发言不足",
        "referrals.status.capped": "邀请人已达奖励上限",
        "referrals.status.ineligible": "不计奖励（{note}）",
        "referrals.status.revoked": "奖励已收回",
        "referrals.status.none": "无邀请人",
    },
}
