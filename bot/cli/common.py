"""Shared CLI helpers: turning operator mistakes into one clear message, not a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
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
