"""Loading playbooks from YAML with errors that point at file, line, column and YAML path."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.playbook.limits import MAX_BYTES, encoding_problem, size_problem, structure_problem


@dataclass(frozen=True, slots=True)
class PlaybookProblem:
    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PlaybookInvalid(Exception):
    def __init__(self, problems: Sequence[PlaybookProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


def _node_at(root: yaml.Node | None, loc: Sequence[Any]) -> tuple[yaml.Node | None, bool]:
    """The YAML node at a pydantic error location; (nearest parent, False) when it is missing."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    found = value_node
                    break
            if found is None:
                return node, False
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node, False
            node = node.value[part]
        else:
            # pydantic adds type tags to the location (e.g. 'function-after[...]'): skip them
            continue
    return node, True


def _key_node(root: yaml.Node | None, loc: Sequence[Any]) -> yaml.Node | None:
    parent, _ = _node_at(root, loc[:-1])
    if isinstance(parent, yaml.MappingNode):
        for key_node, _value in parent.value:
            if key_node.value == str(loc[-1]):
                return key_node
    return None


def _dotted(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and ("[" in part or "-" in part and part.endswith("]")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """Follow field annotations to find the model that owns `loc` (for 'did you mean')."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        # unwrap Optional / list / dict value types to reach a model
        for _ in range(4):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                break
            if not args:
                break
            ann = args[-1]
        current = ann
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _shown(value: Any) -> str:
    r"""A value as the operator wrote it: strings in quotes but without Python's escaping, so a
    regex reads `'\\d+'` as `'\d+'`, not with doubled backslashes."""
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _has_cjk(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _fields(model: type[BaseModel], loc: Sequence[Any]) -> set[str]:
    owner = _model_at(model, loc) if loc else model
    return set(owner.model_fields) if owner else set()


def _where_it_belongs(
    model: type[BaseModel], loc: Sequence[Any], previous_key: str | None
) -> str | None:
    """An unknown key that is a known key one level up or under the key just above: most
    likely an indentation slip. Says where it belongs."""
    key = str(loc[-1])
    for depth in range(len(loc) - 2, -1, -1):  # the parents' levels, nearest first
        parent = loc[:depth]
        if key in _fields(model, parent):
            where = f"under '{_dotted(parent)}'" if _dotted(parent) else "at the top level"
            return f"'{key}' belongs {where}: indent it less (like the keys of that level)"
    if previous_key is not None and key in _fields(model, [*loc[:-1], previous_key]):
        return f"'{key}' is a key of '{previous_key}' (the key above): indent it under that key"
    return None


# What to do, for pydantic error types whose own message does not say it.
_TYPE_HINTS = {
    "string_type": "write text here (in quotes if it looks like a number or a time)",
    "int_parsing": "write a whole number, such as 3",
    "int_type": "write a whole number, such as 3",
    "float_parsing": "write a number, such as 0.5",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "list_type": "write a list: [a, b] or one '- item' per line",
    "dict_type": "write keys and values here, one 'key: value' per line",
    "model_type": "write keys and values here, one 'key: value' per line",
    "literal_error": "write one of the values listed",
    "enum": "write one of the values listed",
    "greater_than_equal": "use a bigger value",
    "less_than_equal": "use a smaller value",
    "greater_than": "use a bigger value",
    "less_than": "use a smaller value",
}


def _explain(
    err: dict[str, Any],
    model: type[BaseModel],
    node: yaml.Node | None = None,
    previous_key: str | None = None,
) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    loc = err.get("loc", ())
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1]) if loc else None
        known = sorted(owner.model_fields) if owner else []
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, known, n=1)
        text = f"unknown key '{key}'"
        belongs = _where_it_belongs(model, loc, previous_key)
        if belongs:
            return f"{text}; {belongs}"
        if hint:
            text += f"; did you mean '{hint[0]}'?"
        elif _has_cjk(key):
            text += "; keys are English (only the values can be Chinese)"
        if known:
            text += f" Expected one of: {', '.join(known)}"
        return text
    if kind == "missing":
        return f"this key is required here: add '{loc[-1]}:'" if loc else "a key is missing"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    given = err.get("input")
    written = node.value if isinstance(node, yaml.ScalarNode) else None
    if isinstance(given, int) and isinstance(written, str) and ":" in written:
        # YAML 1.1 reads an unquoted 9:00 as the base-60 number 540
        return (
            f"put it in quotes: '{written}' (unquoted, YAML reads {written} as the number {given})"
        )
    if kind not in ("value_error",) and not isinstance(given, dict | list) and given is not None:
        msg += f" (got {_shown(given)})"
    if kind in _TYPE_HINTS:
        msg += f": {_TYPE_HINTS[kind]}"
    return msg


def _previous_key(root: yaml.Node | None, loc: Sequence[Any]) -> str | None:
    """The key written just before loc's last key, in the same mapping."""
    parent, _ = _node_at(root, loc[:-1])
    if not isinstance(parent, yaml.MappingNode):
        return None
    before = None
    for key_node, _value in parent.value:
        if key_node.value == str(loc[-1]):
            return before
        before = str(key_node.value)
    return None


def _duplicate_keys(node: yaml.Node | None, file: str, path: str = "") -> list[PlaybookProblem]:
    problems: list[PlaybookProblem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in seen:
                first = seen[key].start_mark.line + 1
                problems.append(
                    PlaybookProblem(
                        file,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        sub,
                        f"key {key!r} appears twice (first on line {first}); keep one",
                    )
                )
            seen[key] = key_node
            problems += _duplicate_keys(value_node, file, sub)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, file, f"{path}[{i}]")
    return problems


# libyaml, when PyYAML was built with it, reads a playbook about ten times faster
FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_and_load(text: str, loader_class: Any) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines and columns) and the data, from one parse."""
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def parse_playbook(
    text: str, model: type[BaseModel], file: str = "<playbook>", base_dir: Path | None = None
) -> Any:
    """Validate playbook YAML text into `model`; raise PlaybookInvalid with located problems.
    The limits (size, nesting, aliases, list lengths, numbers) are checked first, so a hostile
    file is refused before PyYAML or pydantic spend time or recursion on it."""
    limit = size_problem(text) or encoding_problem(text) or structure_problem(text)
    if limit is not None:
        raise PlaybookInvalid(
            [PlaybookProblem(file, limit.line, limit.column, limit.path, limit.message)]
        )
    try:
        try:
            root, data = _compose_and_load(text, FAST_LOADER)
        except yaml.MarkedYAMLError:
            # libyaml words some syntax errors differently: explain them as PyYAML does
            root, data = _compose_and_load(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise PlaybookInvalid(
            [PlaybookProblem(file, line, col, "", f"YAML syntax error: {what}")]
        ) from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise PlaybookInvalid(
            [PlaybookProblem(file, 1, 1, "", f"the YAML cannot be read: {exc}")]
        ) from None
    problems = _duplicate_keys(root, file)
    if problems:
        raise PlaybookInvalid(problems)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PlaybookInvalid(
            [
                PlaybookProblem(
                    file,
                    1,
                    1,
                    "",
                    "a playbook is a mapping of sections (community:, "
                    "welcome:, ...), not a single value or a list",
                )
            ]
        )
    try:
        return model.model_validate(data, context={"base_dir": base_dir or Path.cwd()})
    except (RecursionError, OverflowError, MemoryError, ArithmeticError) as exc:
        # a backstop: the limits above should have refused the file; never a traceback
        raise PlaybookInvalid(
            [PlaybookProblem(file, 1, 1, "", f"the playbook cannot be read: {exc}")]
        ) from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err.get("loc", ())
            previous = None
            if err.get("type") == "extra_forbidden" and loc:
                node = _key_node(root, loc)
                previous = _previous_key(root, loc)
                value = None
            else:
                node, found = _node_at(root, loc)
                value = node if found else None
            mark = node.start_mark if node is not None else None
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(
                PlaybookProblem(
                    file, line, col, _dotted(loc), _explain(err, model, value, previous)
                )
            )
        problems.sort(key=lambda p: (p.line, p.column))  # in the order the file reads
        raise PlaybookInvalid(problems) from None


def load_playbook(path: str | Path, model: type[BaseModel]) -> Any:
    path = Path(path)
    try:
        with path.open("rb") as handle:  # never more than the limit into memory
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            size = path.stat().st_size
            raise PlaybookInvalid(
                [
                    PlaybookProblem(
                        str(path),
                        raw.count(b"\n", 0, MAX_BYTES) + 1,
                        1,
                        "",
                        f"the playbook is {size:,} bytes; at most {MAX_BYTES:,} are read "
                        "(split long word lists, or move texts out)",
                    )
                ]
            )
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise PlaybookInvalid(
            [
                PlaybookProblem(
                    str(path),
                    1,
                    1,
                    "",
                    "file not found: check the path, or copy playbooks/default.yaml and edit it",
                )
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookInvalid(
            [
                PlaybookProblem(
                    str(path), 1, 1, "", f"cannot read the file ({exc}); save it as UTF-8 text"
                )
            ]
        ) from None
    return parse_playbook(text, model, str(path), path.parent)
