"""A faster `__init__` for the frozen slotted dataclasses made for every message (snapshots,
patches, ledger rows).

A frozen dataclass sets each field through `object.__setattr__`, which costs about three times
what setting the slot through its own descriptor does; `quick_init` replaces the generated
`__init__` with one that calls the slots' setters. Instances stay immutable for everyone else
(the dataclass's `__setattr__` still refuses), and the signature, defaults, repr, equality and
hash stay the dataclass's own; a `__post_init__` (the events' time-zone check) is called last,
as the dataclass's own `__init__` does.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def quick_init(cls: T) -> T:
    """Decorate a `@dataclass(frozen=True, slots=True)` class (put it above the dataclass)."""
    if "__slots__" not in vars(cls) or "__dataclass_fields__" not in vars(cls):
        raise TypeError(f"quick_init needs a slotted dataclass: {cls}")
    env: dict[str, Any] = {"_MISSING": MISSING}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields(cls):
        if not f.init:
            raise TypeError(f"quick_init: field {f.name} of {cls.__name__} is not in __init__")
        env[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        param = f.name
        if f.default is not MISSING:
            env[f"_default_{f.name}"] = f.default
            param = f"{f.name}=_default_{f.name}"
        elif f.default_factory is not MISSING:
            env[f"_factory_{f.name}"] = f.default_factory
            param = f"{f.name}=_MISSING"
            body.append(f"if {f.name} is _MISSING: {f.name} = _factory_{f.name}()")
        (keyword if f.kw_only else positional).append(param)
        body.append(f"_set_{f.name}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    params = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, env)  # noqa: S102 - built from the class's own field names only
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls
