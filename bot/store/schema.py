"""All tables, for Alembic: importing this module registers every model module."""

from __future__ import annotations

import importlib
import pkgutil

import bot.store as store_pkg
from bot.store.models import Base

# capability model modules are named `models_<capability>.py` in this package
for _info in pkgutil.iter_modules(store_pkg.__path__):
    if _info.name.startswith("models_"):
        importlib.import_module(f"bot.store.{_info.name}")

metadata = Base.metadata
