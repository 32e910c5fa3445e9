"""Assembling a runtime from a database URL, playbook paths and adapters."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.adapter import Adapter
from bot.executor import Executor, Sleep
from bot.playbook import PlaybookManager, build_playbook_model
from bot.runtime import PlaybookRouter, Runtime
from bot.store import Store


def playbook_model() -> type:
    import rules

    return build_playbook_model(rules.discover())


async def build_runtime(
    *,
    db_url: str,
    playbook: str | Path,
    adapters: Mapping[str, Adapter],
    overrides: Mapping[tuple[str, str], str | Path] | None = None,
    migrate: bool = True,
    sleep: Sleep | None = None,
) -> Runtime:
    """Load playbooks first (a broken one fails before anything is touched), then the store."""
    import rules

    capabilities = rules.discover()
    model = build_playbook_model(capabilities)
    default = PlaybookManager(playbook, model)
    managers = {Path(playbook).resolve(): default}
    routed = {}
    for key, path in (overrides or {}).items():
        resolved = Path(path).resolve()
        if resolved not in managers:
            managers[resolved] = PlaybookManager(path, model)
        routed[key] = managers[resolved]
    store = await Store.open(db_url, migrate=migrate)
    executor = Executor(dict(adapters)) if sleep is None else Executor(dict(adapters), sleep=sleep)
    return Runtime(
        store=store,
        capabilities=capabilities,
        playbooks=PlaybookRouter(default, routed),
        executor=executor,
    )
