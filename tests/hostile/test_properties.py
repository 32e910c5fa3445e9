"""Property tests (hypothesis): whatever text, JSON line or playbook comes in, the cleaner keeps
its promises, a replay line is an event or a named refusal, and `playbook check` answers with
located problems — never an exception, never slowly."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import playbook_model
from bot.events import Event
from bot.playbook import PlaybookInvalid, parse_playbook
from bot.replay import ReplayProblem, read_events
from bot.sanitize import MAX_ID, MAX_TEXT, clean_id, clean_name, clean_text

# every kind of character, lone surrogates and controls included
ANY_CHAR = st.characters(categories=["L", "M", "N", "P", "S", "Z", "C"])
ANY_TEXT = st.text(ANY_CHAR, max_size=300) | st.builds(
    lambda c, n: c * n, ANY_CHAR, st.integers(0, 9000)
)
FAST = settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


@FAST
@given(ANY_TEXT)
def test_a_cleaned_text_is_encodable_bounded_and_stable(text):
    cleaned = clean_text(text)
    assert _encodable(cleaned) and len(cleaned) <= MAX_TEXT
    assert clean_text(cleaned) == cleaned


@FAST
@given(ANY_TEXT | st.integers(-(10**40), 10**40))
def test_a_cleaned_id_fits_its_column_on_one_line(value):
    cleaned = clean_id(value)
    assert _encodable(cleaned) and len(cleaned) <= MAX_ID and "\n" not in cleaned
    assert clean_id(value) == cleaned and clean_id(cleaned) == cleaned
    name = clean_name(value)
    assert _encodable(name) and "\u202e" not in name and len(name) <= 200


JSON_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | ANY_TEXT
)
JSON = st.recursive(
    JSON_SCALAR,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = [
    "at", "type", "user", "channel", "text", "message_id", "command", "args", "roles", "bot",
    "mentions", "reply_to", "emoji", "target_user", "target_message_id", "target_text",
    "custom_id", "community", "attachments", "forward",
]  # fmt: skip
KINDS = st.sampled_from(
    ["message", "edit", "delete", "join", "leave", "reaction", "command", "button"]
)
LINE = st.fixed_dictionaries(
    {"at": st.just("2026-03-02T09:00:00Z") | JSON, "type": KINDS | JSON, "user": ANY_TEXT | JSON},
    optional={name: JSON for name in FIELDS if name not in ("at", "type", "user")},
)


@settings(deadline=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE | JSON, min_size=1, max_size=8))
def test_every_replay_line_is_an_event_or_a_named_refusal(lines):
    texts = [json.dumps(line, ensure_ascii=False) for line in lines]
    read = list(read_events(texts))
    assert len(read) == len([t for t in texts if t.strip() and not t.lstrip().startswith("#")])
    for _, item in read:
        assert isinstance(item, Event | ReplayProblem)
        if isinstance(item, ReplayProblem):
            assert item.message and len(item.message) <= 300
        else:
            for value in (item.community_id, getattr(item, "text", ""), str(item.user_id or "")):
                assert _encodable(value)


# -- generated playbooks -----------------------------------------------------------------------

SAMPLE = yaml.safe_load("""
community: {name: Makers, timezone: Asia/Shanghai, language: zh, moderator_roles: [mods]}
welcome: {greeting: "hi {member}", steps: [{after: 1d, direct_message: "how is it going?"}]}
moderation:
  warnings: {expire_after: 30d, ladder: [{warnings: 2, action: timeout, duration: 10m}]}
  default_timeout: 10m
antispam:
  rules:
    - name: ads
      triggers: {keywords: [free nitro, 加微信], flood: {messages: 6, window: 10s}}
      actions: {delete: true, warn: 1}
checkin: {keywords: [checkin, 打卡], points: 10}
points: {messages: {points: 10, daily_cap: 300}, newcomer_reply: {points: 20}}
faq: {entries: [{id: join, keywords: [how to join], answer: "see #rules"}]}
calendar:
  entries:
    tip: {at: "09:00", days: [mon], text: "tip of the week", grace: 30m}
""")


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


PATHS = _paths(SAMPLE)[1:]
HOSTILE_VALUES = (
    st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        [
            "99999999999999999999d",
            "1e400s",
            "-5m",
            "0s",
            "36501d",
            "",
            "{member.__class__}",
            "{{7*7}}",
            "25:99",
            "9:00",
            "Mars/Olympus",
            True,
            None,
            [],
            {},
            ["x"] * 50,
        ]
    )  # fmt: skip
    | st.text(ANY_CHAR, max_size=40)
    | st.lists(st.text(max_size=10), max_size=30)
    | st.dictionaries(st.text(max_size=10), st.integers(), max_size=5)
)
MUTATION = st.tuples(
    st.sampled_from(PATHS), st.sampled_from(["set", "drop", "extra", "nest"]), HOSTILE_VALUES
)


def _mutate(data: dict, path: tuple, how: str, value: Any) -> None:
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "set":
        parent[last] = value
    elif how == "drop" and isinstance(parent, dict):
        parent.pop(last, None)
    elif how == "extra" and isinstance(parent, dict):
        parent[f"{last}_unknown"] = value
    else:
        nested: Any = value
        for _ in range(40):  # deeper than any playbook may be
            nested = [nested]
        parent[last] = nested


def _answered(text: str) -> float:
    started = time.perf_counter()
    try:
        parse_playbook(text, playbook_model(), "gen.yaml")
    except PlaybookInvalid as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "gen.yaml" and problem.line >= 1 and problem.message
    return time.perf_counter() - started


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_playbook_check_answers_generated_playbooks_with_located_problems(mutations):
    playbook_model()  # built once
    data = copy.deepcopy(SAMPLE)
    for path, how, value in mutations:
        try:
            _mutate(data, path, how, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert _answered(text) < 1.0


YAML_PIECES = st.sampled_from([
    "a", "welcome", "greeting", ":", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ",", "&x ",
    "*x", "!!python/object:os.system ", "!!binary ", "%YAML 1.1\n", "---\n", "...\n", "'",
    '"', "#", "|", ">", "? ", "9" * 30, ".inf", "99999999999999999999d", "\t", "\ud800", "\x00",
])  # fmt: skip


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(YAML_PIECES, max_size=80).map("".join))
def test_playbook_check_answers_any_text_with_located_problems(text):
    playbook_model()
    assert _answered(text) < 1.0
