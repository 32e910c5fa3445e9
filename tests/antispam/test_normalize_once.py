"""Each message is normalized once for every anti-spam trigger, the keyword matchers, the
classifier and the FAQ (issue 10: the per-message cost must not grow with the rules)."""

from __future__ import annotations

from pathlib import Path

from bot.actions import DeleteMessage
from rules.antispam import normalize as norm_module
from rules.antispam.normalize import normalized
from tests.harness import BotHarness

DEFAULT = Path(__file__).resolve().parents[2] / "playbooks" / "default.yaml"


async def test_the_shipped_playbook_normalizes_each_message_once(tmp_path, monkeypatch) -> None:
    bot = await BotHarness.start(tmp_path, playbook=DEFAULT)
    try:
        texts = [
            "hi all, where do I find the schedule for the next meetup?",
            "想赚钱的请加 微 信 xyz123，代开发票",
            "FREE CRYPTO giveaway, DM me now!!!",
        ]
        for n, text in enumerate(texts):
            await bot.say(f"member{n}", text)
        folded: list[str] = []
        fold = norm_module.fold
        monkeypatch.setattr(norm_module, "fold", lambda s: folded.append(s) or fold(s))
        normalized.cache_clear()
        for n, text in enumerate(texts):
            await bot.say(f"other{n}", text + f" #{n}")
        # one normalization (cache miss) per message; every other reader hit the cache
        assert normalized.cache_info().misses == len(texts)
        assert sorted(folded) == sorted(t + f" #{n}" for n, t in enumerate(texts))
        assert normalized.cache_info().hits > len(texts)
        assert any(isinstance(a, DeleteMessage) for a in bot.actions_for("other1"))
    finally:
        await bot.close()
