"""Built-in texts of the FAQ (override any key under `messages:`)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "faq.top_title": "Most asked questions (last {days} days)",
        "faq.top_line": "{position}. {entry} — asked {asked}×, answered {answered}×",
        "faq.top_empty": "No FAQ question was asked in the last {days} days.",
        "faq.list_title": "Questions I answer (just ask in the chat):",
        "faq.list_line": "• {question} — {answer}",
        "faq.list_empty": "This community has no FAQ yet.",
    },
    "zh": {
        "faq.top_title": "最常被问到的问题（最近 {days} 天）",
        "faq.top_line": "{position}. {entry} — 被问 {asked} 次，已回答 {answered} 次",
        "faq.top_empty": "最近 {days} 天没有人问到常见问题。",
        "faq.list_title": "我能回答的问题（直接在群里问即可）：",
        "faq.list_line": "• {question} — {answer}",
        "faq.list_empty": "本社群还没有常见问题。",
    },
}
