"""Safe message templates: `{name}` fields only, no attribute access, no indexing, no code.

Operators write these in playbooks, so a template can never reach into Python objects: values are
converted to text before formatting and only plain names are allowed.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

_FORMATTER = string.Formatter()


class TemplateError(ValueError):
    pass


class Template(str):
    """A checked template text. Rendering leaves unknown `{names}` as written.

    As a pydantic field type it accepts a string and checks it when the playbook loads."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: str) -> Template:
            check_template(value)
            return cls(value)

        return core_schema.no_info_after_validator_function(
            validate,
            core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    def render(self, values: Mapping[str, Any] | None = None, /, **kwargs: Any) -> str:
        return render(self, {**(values or {}), **kwargs})


def _fields(text: str) -> list[tuple[str, str | None, str | None]]:
    try:
        return [(f, spec, conv) for _, f, spec, conv in _FORMATTER.parse(text) if f is not None]
    except ValueError as exc:
        raise TemplateError(
            f"broken template: {exc}; write '{{{{' and '}}}}' for literal braces"
        ) from exc


def check_template(text: str) -> list[str]:
    """Return the field names used; raise TemplateError for anything but plain `{name}`."""
    names = []
    for name, spec, conv in _fields(text):
        if not name:
            raise TemplateError("empty '{}' in template: name the value, e.g. '{member}'")
        if not name.replace("_", "").isalnum() or name[0].isdigit():
            raise TemplateError(
                f"'{{{name}}}' is not allowed in a template: use plain names such as "
                "{member}, {community} (no dots, brackets or expressions)"
            )
        if conv or spec:
            raise TemplateError(f"'{{{name}}}' may not carry a format spec or conversion")
        names.append(name)
    return names


def render(text: str, values: Mapping[str, Any]) -> str:
    out: list[str] = []
    for literal, name, _spec, _conv in _FORMATTER.parse(text):
        out.append(literal)
        if name is None:
            continue
        if name in values:
            out.append(str(values[name]))
        else:
            out.append("{" + name + "}")
    return "".join(out)
