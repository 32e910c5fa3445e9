"""All tables, for Alembic: importing this module registers every model module."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import bot.store as store_pkg
import rules as rules_pkg
from bot.store.models import Base

# capability model modules: `models_<capability>.py` in this package, or `models.py` in the
# capability's own package under rules/
for _info in pkgutil.iter_modules(store_pkg.__path__):
    if _info.name.startswith("models_"):
        importlib.import_module(f"bot.store.{_info.name}")
for _info in pkgutil.iter_modules(rules_pkg.__path__):
    if _info.ispkg and importlib.util.find_spec(f"rules.{_info.name}.models") is not None:
        importlib.import_module(f"rules.{_info.name}.models")

metadata = Base.metadata
