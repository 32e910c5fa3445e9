"""Base types for playbook configuration: strict models, durations, templates."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from bot.templates import Template


class ConfigModel(BaseModel):
    """Every playbook section: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$")
MAX_DURATION_SECONDS = 36500 * 86400  # 100 years
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """'90s', '10m', '2h', '1d', '1w', a number of seconds, or a timedelta; never negative."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError("expected a duration such as '10m', '2h' or '1d'")
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        parts = value.split()
        if not parts:
            raise ValueError("expected a duration such as '10m', '2h' or '1d', got an empty text")
        total = 0.0
        for part in parts:
            m = _DURATION.match(part)
            if not m:
                raise ValueError(f"expected a duration such as '10m', '2h' or '1d', got {value!r}")
            total += float(m.group(1)) * _UNIT_SECONDS[m.group(2) or "s"]
        seconds = total
    else:
        raise ValueError("expected a duration such as '10m', '2h' or '1d'")
    if seconds != seconds:  # NaN
        raise ValueError("expected a duration such as '10m', '2h' or '1d'")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DURATION_SECONDS:  # also keeps timedelta() and datetime + d from overflowing
        raise ValueError(f"{_written(value)} is too long: durations are at most 100 years (36500d)")
    return timedelta(seconds=seconds)


def _written(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


# A message template: `{member}`-style fields only; checked when the playbook loads.
TemplateText = Template


class SectionConfig(ConfigModel):
    """A capability's playbook section. A section left out of the playbook is disabled."""

    enabled: bool = True
