"""The seeded classifier gives the same scores in every process: naive Bayes must not sum its
tokens in a set's order, which changes with PYTHONHASHSEED (and with it a probability's last
digits, so a message right at the threshold could be removed in one run and kept in the next)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# written for this test: long enough that the order of a sum of many log-odds matters
TEXTS = [
    "hey r u coming to the bbq on saturday? bring the blue cooler and some ice if u can",
    "Congrats! Ur number was picked in our weekly draw, txt CLAIM to 81234 for ur prize now",
    "the bus was late again so I missed the first lecture, can u send me ur notes later pls",
    "FREE entry to win a holiday for two, just reply WIN and we will call u back today",
    "我们周五晚上在图书馆三楼讨论小组作业，记得带上电脑和上周的笔记",
]

SCRIPT = """
import json, sys
from rules.antispam.classifier import ClassifierSettings, SpamClassifier, load_seed_samples
classifier = SpamClassifier.from_samples(
    load_seed_samples(), ClassifierSettings(probability_threshold=0.9999996838)
)
texts = json.loads(sys.stdin.read())
print(json.dumps([repr(classifier.evidence(t).probability) for t in texts]))
"""


def _probabilities(hash_seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps(TEXTS),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(done.stdout)


def test_two_processes_with_different_hash_seeds_give_identical_scores():
    first, second, third = _probabilities("1"), _probabilities("2"), _probabilities("12345")
    assert first == second == third
    # and they are real scores, not all 0.0 or 1.0
    assert len(set(first)) == len(TEXTS)
