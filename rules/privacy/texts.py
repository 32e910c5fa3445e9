"""Built-in texts of member data rights (override any key under `messages:`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "privacy.mydata_caption": "Everything {community} has stored about you, as JSON "
        "({rows} records). /forget deletes it.",
        "privacy.mydata_sent": "I sent you your data privately ({rows} records).",
        "privacy.need_dm": "I can only send your data privately: open a chat with me, press "
        "Start, then ask again with /mydata.",
        "privacy.forget_ask": "This deletes your points, streak and profile in {community} and "
        "anonymises your history (cases and counts stay, without your name). It cannot be "
        "undone. Press the button within {minutes} minutes to confirm.",
        "privacy.forget_button": "Forget me",
        "privacy.forgotten": "Done: {community} has forgotten you. What stays is anonymous.",
        "privacy.forgot_member": "Forgotten: that member's data is deleted; their cases now "
        "show {anon}.",
        "privacy.not_yours": "Only the member who asked can press this button.",
        "privacy.expired": "This button has expired. Use /forget again.",
        "privacy.admins_only": "Only admins can forget another member.",
    },
    "zh": {
        "privacy.mydata_caption": "{community} 保存的关于你的全部数据（JSON，共 {rows} 条记录）。"
        "使用 /forget 可删除。",
        "privacy.mydata_sent": "已私信发送你的数据（共 {rows} 条记录）。",
        "privacy.need_dm": "我只能私信发送你的数据：请先私聊我并点击「开始」，然后再发送 /mydata。",
        "privacy.forget_ask": "这将删除你在 {community} 的积分、打卡记录和资料，并将你的历史记录"
        "匿名化（处罚记录和统计数字会保留，但不再关联你）。此操作无法撤销。请在 {minutes} 分钟内"
        "点击按钮确认。",
        "privacy.forget_button": "删除我的数据",
        "privacy.forgotten": "完成：{community} 已删除你的数据，保留的内容均已匿名。",
        "privacy.forgot_member": "已删除该成员的数据；其处罚记录现显示为 {anon}。",
        "privacy.not_yours": "只有发起请求的成员本人可以点击此按钮。",
        "privacy.expired": "此按钮已过期，请重新发送 /forget。",
        "privacy.admins_only": "只有群主可以删除其他成员的数据。",
    },
}
