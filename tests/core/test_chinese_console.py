"""The Chinese playbook's console: members and moderators read no English. Every text the
bot shows (replies, posts, DMs, warnings, moderator alerts and case logs) is scanned for Latin
words outside names, commands, channels, URLs and the operator's own identifiers."""

from __future__ import annotations

import re

import yaml

from adapters.console import PLATFORM, ConsoleAdapter, ConsoleSession
from bot.app import build_runtime
from bot.clock import OffsetClock
from bot.shipped import shipped_playbook
from bot.simulation import Simulation

SESSION = """/join 小明
/as 小明
大家好，我是小明，最近在学 Python
/checkin
/rank
/leaderboard
/streaks
/shop
/calendar
/faq
/join 广告哥
/as 广告哥
加微信 abc123 代开发票，详情 t.me/joinchat/xyz
代開發票 请加微信联系我
/as 老王 admin
/warn 小明 刷屏
/cases 小明
/cases 广告哥
/case 1
/timeout 小明 10m 吵架
/untimeout 小明
/case 99
/warn
/kick 老王
/time +1d
/time +8d
""".splitlines()

# what may stay Latin: commands, channels, URLs and domains, times/durations, emoji codes
ALLOWED = [
    r"/[a-z_]+",  # a command
    r"#[\w-]+",  # a channel
    r"\b[\w.-]+\.(?:me|gg|com|org|link)\S*",  # a URL or domain
    r"\b\d+[smhdw]\b",
]


def operator_words(playbook: dict) -> set[str]:
    """Identifiers and texts the operator wrote (calendar entry ids, tier names, the community
    name, ...): their language is the operator's choice, not the bot's."""
    words: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                words.update(re.findall(r"[A-Za-z]+", str(key)))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            words.update(re.findall(r"[A-Za-z]+", node))

    walk(playbook.get("calendar", {}).get("entries", {}))
    walk(playbook.get("points", {}))
    walk(playbook.get("faq", {}))
    walk(playbook.get("community", {}).get("name", ""))
    walk(playbook.get("community", {}).get("timezone", ""))
    return words


async def test_the_chinese_console_shows_no_english_to_members_or_moderators(tmp_path):
    path = shipped_playbook("zh-learning")
    allowed_words = operator_words(yaml.safe_load(path.read_text(encoding="utf-8")))
    clock = OffsetClock()
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'zh.db'}",
        playbook=path,
        adapters={PLATFORM: ConsoleAdapter()},
    )
    shown: list[tuple[str, str]] = []
    runtime.observers.append(
        lambda ref, outcome: shown.append((outcome.action.kind, outcome.action.text_shown or ""))
    )
    session = ConsoleSession(Simulation(runtime, clock.now()), clock, "demo", write=lambda _: None)
    try:
        for line in SESSION:
            await session.handle_line(line)
    finally:
        await runtime.store.close()

    kinds = {kind for kind, _ in shown}
    assert {"reply", "post", "send_direct", "warn", "timeout"} <= kinds
    assert any("案例 #" in text for kind, text in shown if kind == "post")  # the mod-log
    english: list[str] = []
    for kind, text in shown:
        for line in text.splitlines():
            if line.startswith(">"):  # a member's own message, quoted as evidence
                continue
            cleaned = line
            for pattern in ALLOWED:
                cleaned = re.sub(pattern, " ", cleaned)
            words = [w for w in re.findall(r"[A-Za-z]{2,}", cleaned) if w not in allowed_words]
            if words:
                english.append(f"{kind}: {line!r} → {words}")
    assert not english, "English shown in the Chinese console:\n" + "\n".join(english)


def test_moderators_read_rule_titles_case_types_and_weekdays_in_their_language():
    from bot.texts import Texts

    en, zh = Texts("en"), Texts("zh")
    assert en.rule_title("antispam.ads") == "anti-spam rule 'ads'"
    assert zh.rule_title("antispam.广告") == "反垃圾规则「广告」"
    assert zh.rule_title("老王") == "老王"  # a moderator's name stays a name
    assert (en.case_type("delete_message"), zh.case_type("timeout")) == ("delete message", "禁言")
    assert (en.weekday(0), zh.weekday(6)) == ("Mon", "周日")
    assert zh.join(["a", "b"]) == "a、b" and en.join(["a", "b"]) == "a, b"
    assert zh.reason("invite link: t.me/x; flood: 7 messages in 10s") == (
        "邀请链接：t.me/x；刷屏：10s 内 7 条消息"
    )
