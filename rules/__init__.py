"""Capabilities: one module (or package) per capability, each exposing `CAPABILITY`."""

from __future__ import annotations

import importlib
import pkgutil

from bot.rule import Capability


def discover() -> list[Capability]:
    """Every capability under `rules/`, in the order the engine runs them (priority)."""
    found: list[Capability] = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        capability = getattr(module, "CAPABILITY", None)
        if isinstance(capability, Capability):
            found.append(capability)
    return sorted(found, key=lambda c: (c.priority, c.name))
