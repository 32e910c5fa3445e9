"""Limits a playbook must keep before it is validated at all: size, nesting, alias expansion,
list lengths and numbers. A hostile file (an alias bomb, ten thousand nested brackets, a
million keywords, a 5,000-digit number) is refused in milliseconds with the line and key that
crossed the limit, instead of a RecursionError, an OverflowError or minutes of CPU.

The check reads PyYAML's event stream, which is produced iteratively (no recursion) and lazily,
so it stops at the first event past a limit; aliases are counted by the size of what they
expand to, without expanding them. See docs/limits.md."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

MAX_BYTES = 1_000_000  # the shipped playbooks are under 20 kB
MAX_DEPTH = 32  # the deepest shipped key is 6 levels down
MAX_ITEMS = 10_000  # entries in one list or mapping (keywords, FAQ entries, shop items)
MAX_NODES = 200_000  # values in the whole document, aliases counted as what they expand to
MAX_DIGITS = 18  # a whole number in a playbook is below 10^18 (durations are checked apart)

_INT = re.compile(r"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])*)$")


@dataclass(frozen=True, slots=True)
class LimitProblem:
    line: int
    column: int
    path: str
    message: str


class _Frame:
    """An open mapping or sequence: where it is, how many values it holds (expanded)."""

    __slots__ = ("anchor", "is_map", "items", "key", "mark", "nodes", "path", "want_key")

    def __init__(self, is_map: bool, path: str, mark: yaml.Mark, anchor: str | None) -> None:
        self.is_map = is_map
        self.path = path
        self.mark = mark
        self.anchor = anchor
        self.items = 0
        self.nodes = 1
        self.want_key = True  # in a mapping: the next value is a key
        self.key = ""

    def child_path(self) -> str:
        if self.is_map:
            return f"{self.path}.{self.key}" if self.path else self.key
        return f"{self.path}[{self.items}]"


def _at(mark: yaml.Mark | None, path: str, message: str) -> LimitProblem:
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if len(path) > 100:  # ten thousand `[0]`s help nobody
        path = f"{path[:60]}…{path[-30:]}"
    return LimitProblem(line, col, path, message)


_SURROGATE = re.compile("[\ud800-\udfff]")


def encoding_problem(text: str) -> LimitProblem | None:
    """A lone surrogate (text decoded with errors="surrogateescape", or built in code) cannot
    be read as YAML: say where it is."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return LimitProblem(
        line, column, "", "a character here is not valid Unicode: save the file as UTF-8"
    )


def size_problem(text: str) -> LimitProblem | None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_BYTES:
        return None
    line = text.count("\n", 0, MAX_BYTES) + 1  # about where the limit is crossed
    return LimitProblem(
        line,
        1,
        "",
        f"the playbook is {size:,} bytes; at most {MAX_BYTES:,} are read "
        "(split long word lists, or move texts out)",
    )


def _number_problem(event: yaml.ScalarEvent, path: str) -> str | None:
    """A plain (unquoted) number too large to be meant, or not a number (.inf, .nan)."""
    if not event.implicit[0] or event.tag is not None:
        return None
    value = event.value
    lowered = value.lower()
    if lowered in (".inf", "+.inf", "-.inf", ".nan"):
        return f"{value} is not a number a playbook can use: write a finite number"
    if _INT.match(value):
        digits = sum(ch.isdigit() for ch in value)
        if digits > MAX_DIGITS:
            return (
                f"the number {value[:30]}{'…' if len(value) > 30 else ''} is too large: "
                f"whole numbers in a playbook have at most {MAX_DIGITS} digits"
            )
        return None
    if len(value) > 400:
        return None  # long plain text, not a number
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return None
    if not math.isfinite(number) or abs(number) > 1e18:
        return f"the number {value[:30]} is too large for a playbook: use at most 1e18"
    return None


def structure_problem(text: str) -> LimitProblem | None:
    """The first limit the document crosses, or None. YAML syntax errors are left to the
    loader (it reports them with their own line)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return _scan(text, fast)
        except yaml.YAMLError:
            pass  # libyaml stops at its own limits (1,000 levels): PyYAML says where ours are
    try:
        return _scan(text, yaml.SafeLoader)
    except yaml.YAMLError:
        return None  # the loader reports syntax errors with their own line


def _too_deep() -> str:
    return (
        f"nested more than {MAX_DEPTH} levels deep: a playbook is at most {MAX_DEPTH} levels "
        "of keys and lists"
    )


def _events(text: str, loader: type) -> Iterator[yaml.Event | yaml.MarkedYAMLError]:
    """The parse events; libyaml's nesting error is yielded (it means far too deep), so the
    scan can name where instead of PyYAML re-reading a thousand levels."""
    try:
        yield from yaml.parse(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" not in str(exc.problem):
            raise
        yield exc


def _scan(text: str, loader: type) -> LimitProblem | None:
    stack: list[_Frame] = []
    anchors: dict[str, int] = {}
    total = 0
    for event in _events(text, loader):
        if isinstance(event, yaml.MarkedYAMLError):  # libyaml's own nesting limit (1,000)
            path = stack[-1].child_path() if stack else ""
            return _at(event.problem_mark, path, _too_deep())
        if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent | yaml.AliasEvent):
            parent = stack[-1] if stack else None
            path = parent.child_path() if parent else ""
            is_key = bool(parent and parent.is_map and parent.want_key)
            if parent is not None and not is_key:
                parent.items += 1
                if parent.items > MAX_ITEMS:
                    return _at(
                        parent.mark,
                        parent.path,
                        f"more than {MAX_ITEMS:,} entries in one "
                        f"{'mapping' if parent.is_map else 'list'}: keep it shorter",
                    )
            if isinstance(event, yaml.AliasEvent):
                size = anchors.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if is_key:
                    assert parent is not None
                    parent.key = event.value[:80]
                elif (problem := _number_problem(event, path)) is not None:
                    return _at(event.start_mark, path, problem)
                if event.anchor:
                    anchors[event.anchor] = 1
            else:
                size = 0  # counted when it ends
                if len(stack) >= MAX_DEPTH:
                    return _at(event.start_mark, path, _too_deep())
                is_map = isinstance(event, yaml.MappingStartEvent)
                stack.append(_Frame(is_map, path, event.start_mark, event.anchor))
            if parent is not None:
                parent.nodes += size
                if parent.is_map and size:  # a collection turns the key/value when it ends
                    parent.want_key = not parent.want_key
            total += size
            if total > MAX_NODES:
                return _at(
                    event.start_mark,
                    path,
                    f"the playbook holds more than {MAX_NODES:,} values"
                    + (
                        f" once the alias *{event.anchor} is expanded: do not repeat "
                        "aliases of aliases"
                        if isinstance(event, yaml.AliasEvent)
                        else ": keep lists shorter"
                    ),
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = stack.pop()
            if frame.anchor:
                anchors[frame.anchor] = frame.nodes
            total += 1
            if stack:
                parent = stack[-1]
                parent.nodes += frame.nodes
                if parent.is_map:
                    parent.want_key = not parent.want_key
    return None
