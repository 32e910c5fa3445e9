"""State: SQLAlchemy models, migrations helpers and the `Store` repository."""

from bot.store.db import StoreError
from bot.store.store import CommunityRef, MemberInfo, StepInfo, Store

__all__ = ["CommunityRef", "MemberInfo", "StepInfo", "Store", "StoreError"]
