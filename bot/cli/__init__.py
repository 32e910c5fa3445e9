"""The `qunbot` command line. Subcommands live in `bot/cli/cmd_*.py`, each with `register(app)`."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

import typer


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="qunbot",
        help="Community moderation and engagement bot for Discord and Telegram, driven by "
        "YAML playbooks.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(app)
    return app


def main() -> None:
    from bot.cli.common import configure_logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    configure_logging()
    try:
        build_app()()
    except KeyboardInterrupt:
        sys.exit(130)
