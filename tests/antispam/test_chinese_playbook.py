"""The Chinese playbook (playbooks/zh-learning.yaml) detects what the default one measures:
the Chinese categories are on, and the classifier and ad weights are the ones
docs/antispam-quality.md measured on playbooks/default.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import playbook_model
from bot.playbook.loader import parse_playbook
from rules.antispam.config import AntispamConfig
from rules.antispam.lexicon import builtin
from rules.antispam.normalize import normalize
from tests.antispam.helpers import enforce_reason, removed
from tests.antispam.test_ads_scored import CATEGORIES
from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("default.yaml", "zh-learning.yaml")


def _antispam(name: str) -> AntispamConfig:
    text = (ROOT / "playbooks" / name).read_text(encoding="utf-8")
    return parse_playbook(text, playbook_model()).antispam


def _ads(config: AntispamConfig):  # type: ignore[no-untyped-def]
    return next(r.triggers.ads for r in config.rules if r.triggers.ads)


def test_every_shipped_playbook_uses_the_measured_classifier_thresholds():
    default = _antispam("default.yaml").classifier
    for name in SHIPPED:
        classifier = _antispam(name).classifier
        assert classifier.settings == default.settings, name
        assert (classifier.apply_to, classifier.first_messages) == ("first_messages", 5), name


def test_every_shipped_playbook_weighs_ads_as_measured():
    default = _ads(_antispam("default.yaml"))
    for name in SHIPPED:
        ads = _ads(_antispam(name))
        assert ads._weights == default._weights, name  # every category on, same weights
        assert ads.contact == default.contact and ads.threshold == default.threshold, name
        assert set(ads.languages) == {"zh", "en"}, name
        newcomer = next(r.triggers.newcomer for r in _antispam(name).rules if r.triggers.newcomer)
        assert newcomer.links == "suspicious", name


def test_the_chinese_playbook_ships_every_chinese_category_switched_on():
    ads = _ads(_antispam("zh-learning.yaml"))
    for category, words in builtin("zh").items():
        assert category in ads._weights, category
        word = words["strong"][0]
        hits = ads.lexicon.find(normalize(word))
        assert any(hit.category == category for hit in hits), (category, word)


@pytest.fixture
async def zh_bot(tmp_path):
    harness = await BotHarness.start(tmp_path, playbook=ROOT / "playbooks" / "zh-learning.yaml")
    yield harness
    await harness.close()


@pytest.mark.parametrize("category", sorted(CATEGORIES))
async def test_the_chinese_playbook_removes_each_categorys_ad(zh_bot, category):
    handled = await zh_bot.say("newbie", CATEGORIES[category])
    assert removed(zh_bot, "newbie")
    reason = enforce_reason(handled)
    # 兼职刷单 is also one of the playbook's always-firing keywords, which are checked first
    assert f"{category} '" in reason or "keyword '兼职刷单'" in reason
