"""The common message takes a fast path (issue 10: each rule's triggers compiled into checks at
config load, one automaton pass deciding "no ad evidence"), a reason read takes the long way
(every trigger's miss in words). Both must give every rule the same verdict: compared here on
a mixed sample — real chat, the SMS corpus, the Chinese ad set, the seed samples, disguises —
for newcomers, members and regulars, plain messages, forwards, edits, floods and duplicates,
under the shipped playbook and one that uses every trigger and every scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import playbook_model
from bot.corpus import load_chat
from bot.events import Actor, MessageEdited, MessagePosted
from bot.playbook.loader import load_playbook, parse_playbook
from rules.antispam import adscore, contact, triggers
from rules.antispam import normalize as norm_module
from rules.antispam.adscore import Ads, score
from rules.antispam.keywords import KeywordMatcher
from rules.antispam.normalize import normalize
from rules.antispam.rules import Compiled, judge
from rules.antispam.triggers import Context, Recent, fingerprint
from tests.antispam.test_prechecks import NOW, ROOT, TEXTS

CHAT = [m.text for m in load_chat()[0][:4000] if m.text]
SAMPLE = [*TEXTS, *CHAT]

EVERY_TRIGGER = """
antispam:
  enabled: true
  rules:
    - name: words
      triggers:
        keywords: [free money, 加微信, double your bitcoin]
        regex: ['b[i1]tc[o0]in', 'whats ?app']
        links: {deny_domains: [example.com], allow_domains: [github.com], any: true}
      actions: {delete: true}
      channels: [general, offtopic]
    - name: volume
      triggers:
        flood: {messages: 3, window: 1m, per_channel: true}
        duplicates: {count: 2, window: 5m, min_length: 2}
        mentions: {max: 2}
      actions: {delete: true}
      check_edits: false
      cooldown: 1m
    - name: noise
      triggers:
        caps: {min_letters: 8, ratio: 0.6}
        emoji: {max: 3}
        repeated_chars: {max_run: 4}
      actions: {reply: "{member}, calm down"}
      mode: shadow
      exempt_roles: [vip]
      exempt_members: [u9]
      exclude_channels: [memes]
    - name: fresh
      triggers:
        newcomer: {first_messages: 5, first_hours: 48, links: any, media: true, mentions: true,
                   media_only: true, as_channel: true, forwards: true}
        ads: {threshold: 0.5, established_after: 3}
      actions: {delete: true}
      newcomers_only: true
    - name: careful
      triggers:
        newcomer: {links: suspicious}
        ads: {threshold: 2.0}
        classifier: true
      actions: {alert: true}
"""


def _configs() -> list:
    shipped = load_playbook(ROOT / "playbooks/default.yaml", playbook_model()).antispam
    every = parse_playbook(EVERY_TRIGGER, playbook_model()).antispam
    return [shipped, every]


CONFIGS = _configs()


def _events(text: str, n: int) -> list[MessagePosted]:
    base = {
        "platform": "test",
        "community_id": "c",
        "occurred_at": NOW,
        "message_id": f"m{n}",
        "text": text,
    }
    plain = MessagePosted(channel_id="general", author=Actor(user_id="u"), **base)
    if n % 5:
        return [plain]
    return [
        plain,
        MessageEdited(channel_id="general", author=Actor(user_id="u"), **base),
        MessagePosted(
            channel_id="memes",
            author=Actor(user_id="u9", roles=("vip",)),
            is_forward=True,
            forwarded_from="somewhere",
            attachments=1,
            mentions=("a", "b", "c"),
            sender_chat="chan",
            **base,
        ),
    ]


def _contexts(text: str, n: int) -> list[Context]:
    mark = fingerprint(normalize(text))
    windows = (
        (),
        tuple(Recent(NOW - timedelta(seconds=5 * s), "general", mark) for s in range(1, 3)),
        tuple(Recent(NOW - timedelta(seconds=30 * s), "offtopic", "x" + mark) for s in range(4)),
    )
    recent = windows[n % 3]
    return [
        Context(recent, 0, NOW - timedelta(hours=1), True, None),
        Context(recent, 4, NOW - timedelta(days=1, hours=1), False, None),
        Context(recent, 100, NOW - timedelta(days=90), False, None),
        Context(recent, 100, None, False, None),
    ]


@pytest.mark.parametrize("which", ["shipped", "every trigger"])
def test_the_fast_path_gives_every_rule_the_long_ways_verdict(which: str) -> None:
    cfg = CONFIGS[0 if which == "shipped" else 1]
    plan = Compiled.of(cfg)
    cooldowns = [{}, {"volume": NOW + timedelta(seconds=30)}, {"words": NOW - timedelta(1)}]
    fired = 0
    for n, text in enumerate(SAMPLE):
        for event in _events(text, n):
            for ctx in _contexts(text, n):
                cooling = cooldowns[n % 3]
                quick = judge(cfg, event, ctx, cooling, NOW, explain=False, plan=plan)
                worded = judge(cfg, event, ctx, cooling, NOW, explain=True)
                assert [h.why for h in quick] == [h.why for h in worded], text
                assert [h.skipped for h in quick] == [h.skipped for h in worded], text
                fired += any(h.why for h in quick)
    assert fired  # the sample holds spam: the fast path is not merely silent


def test_a_message_without_contact_words_has_no_contact_signal() -> None:
    for text in SAMPLE:
        norm = normalize(text)
        if not contact.may_have_contacts(norm):
            assert contact.find_contacts(norm) == [], text


def test_a_message_without_evidence_has_no_lexicon_word_and_no_contact() -> None:
    ads = next(r.triggers.ads for r in CONFIGS[0].rules if r.triggers.ads)
    quiet = 0
    for text in SAMPLE:
        norm = normalize(text)
        if ads.without_evidence(norm):
            quiet += 1
            assert ads.lexicon.find(norm) == [], text
            assert contact.find_contacts(norm) == [], text
    assert quiet > len(CHAT) // 2  # most chat lines take the short way


def test_ad_scores_are_the_same_without_the_short_ways(monkeypatch) -> None:
    shipped = next(r.triggers.ads for r in CONFIGS[0].rules if r.triggers.ads)
    configs = [shipped, Ads(threshold=0.3, established_after=3, established_factor=0.2)]
    asked = [(0, False), (0, True), (4, False), (100, False), (100, True)]

    def scores() -> list[adscore.AdScore]:
        return [
            score(ads, normalize(text), messages_before=before, is_forward=forward)
            for text in SAMPLE
            for ads in configs
            for before, forward in asked
        ]

    quick = scores()
    monkeypatch.setattr(Ads, "without_evidence", lambda self, norm: False)
    monkeypatch.setattr(adscore, "may_have_contacts", lambda norm: True)
    assert scores() == quick


TRICKY = [
    "a b c", "a  b", "a    b", "i m ok", "x_y z", "u r 2 good", "a.b.c.d.e", "ab c d", "a bc d",
    "!!!!!!!!!!!!!!!!", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaab", " aaaaaaaaaaaaaaa ", "ab" * 20,
    "KELVIN \u212a ſ İ ı", "HTTP://EXAMPLE.COM", "Join T.ME/abc", "DISCORD.GG/xyz",
]  # fmt: skip


def test_ascii_words_are_the_tokenizers() -> None:
    for text in [*SAMPLE, *TRICKY]:
        folded = norm_module.fold(text)
        if folded.isascii():
            assert norm_module._ascii_words(folded) == norm_module._ascii_tokens(folded), text


def test_folded_text_has_no_capitals() -> None:
    """The link and invite pre-checks look for lower-case needles in the folded text."""
    for text in [*SAMPLE, *TRICKY, "".join(map(chr, range(0x20, 0x3000)))]:
        folded = norm_module.fold(text)
        assert not any(ch in folded for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ\u212a\u017f\u0130\u0131")


def test_repeated_characters_are_found_through_the_sampled_text() -> None:
    for max_run in (1, 2, 3, 4, 7, 12, 15, 30):
        step = (max_run + 1) // 2
        run_of = triggers._run_of(max_run)
        for text in [*SAMPLE, *TRICKY]:
            if run_of.search(text):
                assert triggers._PAIR.search(text[::step]), (max_run, text)


def _normalized_the_long_way(text: str) -> norm_module.Normalized:
    folded = norm_module.fold(text)
    parts = [
        norm_module._NOT_WORD.sub("", glued) if glued else word or unspaced
        for glued, word, unspaced in norm_module._TOKEN.findall(folded)
    ]
    spaced = norm_module._join(parts)
    has_leet = bool(norm_module._LEET_TRIGGER.search(folded))
    skeleton = norm_module._join([t.text for t in norm_module.skeleton_of(folded)])
    compact = "".join(parts)
    return norm_module.Normalized(text, folded, spaced, compact, skeleton, has_leet, tuple(parts))


def test_normalized_forms_are_the_tokenizers() -> None:
    for text in [*SAMPLE, *TRICKY, "fr33 m0n3y", "p@ypal $ale", "W1N @ prize 4 u"]:
        assert normalize(text) == _normalized_the_long_way(text), text


def test_the_first_keyword_is_the_first_of_all_matches() -> None:
    matchers = [
        KeywordMatcher(["free money", "加微信", "double your bitcoin", "f r e e"]),
        KeywordMatcher(["代开发票", "刷单"]),  # only keywords that match anywhere
        KeywordMatcher(["win", "fr33", "p@ypal"]),
    ]
    for text in [*SAMPLE, *TRICKY, "fr33 m0n3y", "p@ypal $ale", "W1N @ prize 4 u"]:
        for matcher in matchers:
            found = matcher.matches(text)
            assert matcher.first(text) == (found[0] if found else None), text
