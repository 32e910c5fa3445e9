"""Shared CLI helpers: turning operator mistakes into one clear message, not a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from bot.config import ConfigError
from bot.playbook import PlaybookInvalid
from bot.store import StoreError

T = TypeVar("T")
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; known operator errors end with a readable message and exit code 2."""
    try:
        return asyncio.run(coro)
    except PlaybookInvalid as exc:
        fail("the playbook is not valid:\n" + str(exc))
    except (StoreError, ConfigError) as exc:
        fail(str(exc))


def resolve_playbook(value: str | Path | None, *, base: Path | None = None) -> Path:
    """A playbook given as a path (relative to the current folder, else to `base`), or as the
    name of a shipped one (`default`, `zh-learning`); None is the shipped default. Works from
    any folder: shipped playbooks come from the installed package, not the current folder."""
    from bot.shipped import DEFAULT_PLAYBOOK, shipped_playbook, shipped_playbooks

    if value is None:
        return DEFAULT_PLAYBOOK
    path = Path(value).expanduser()
    candidates = [path]
    if base is not None and not path.is_absolute():  # a config's paths are relative to it
        candidates.insert(0, base / path)
    # `playbooks/default.yaml` (the layout of a checkout) or a bare name: the shipped copy
    if path.parent in (Path("."), Path("playbooks")):
        candidates.append(shipped_playbook(path.name))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    fail(
        f"playbook {value} not found: give a path to a YAML file, or one of the shipped "
        f"playbooks ({', '.join(shipped_playbooks())}); `qunbot init` writes one to edit"
    )


def configure_logging(verbose: bool = False, level: str = "WARNING") -> None:
    """Our own messages at `level`; libraries (Alembic, discord.py, httpx, APScheduler...)
    only say something from WARNING up unless --verbose."""
    import logging

    root = logging.getLogger()
    root.setLevel("DEBUG" if verbose else level)
    quiet = "DEBUG" if verbose else "WARNING"
    for name in (
        "alembic",
        "sqlalchemy",
        "discord",
        "telegram",
        "httpx",
        "httpcore",
        "apscheduler",
        "aiosqlite",
        "asyncio",
        "matplotlib",
        "PIL",
        "watchfiles",
    ):
        logging.getLogger(name).setLevel(quiet)


def playbook_option(what: str = "a playbook file") -> Any:
    """The `--playbook` option of every command: a file or a shipped playbook's name."""
    return typer.Option(
        None,
        "--playbook",
        "-p",
        help=f"{what}, or a shipped playbook by name: default, zh-learning",
        show_default="default",
    )
