"""`qunbot playbook check FILE` and `qunbot playbook explain FILE TEXT`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bot.cli.common import fail


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Check and try playbooks.", no_args_is_help=True)
    app.add_typer(group, name="playbook")

    @group.command("check")
    def check(
        files: list[str] = typer.Argument(
            ..., help="playbook YAML files, or shipped playbooks by name (default, zh-learning)"
        ),
    ) -> None:
        """Validate playbooks; each problem names file, line, column and key."""
        from bot.app import playbook_model
        from bot.playbook import PlaybookInvalid, load_playbook
        from bot.shipped import shipped_playbook

        model = playbook_model()
        bad = 0
        out = Console(highlight=False, soft_wrap=True)
        for name in files:
            path = Path(name)
            if not path.exists() and shipped_playbook(name).exists():
                path = shipped_playbook(name)
            try:
                playbook = load_playbook(path, model)
            except PlaybookInvalid as exc:
                bad += 1
                out.print(f"[red]✗[/] {path}", markup=True)
                for problem in exc.problems:
                    out.print(f"  {problem}", markup=False)
                continue
            enabled = [name for name, value in playbook if getattr(value, "enabled", False)]
            out.print(
                f"[green]✓[/] {path}: valid; enabled: {', '.join(enabled) or 'nothing'}",
                markup=True,
            )
        if bad:
            raise typer.Exit(1)

    @group.command("explain")
    def explain(
        file: Path = typer.Argument(..., help="playbook YAML file"),
        text: str = typer.Argument(..., help="a message to try"),
        user: str = typer.Option("someone", help="who says it"),
    ) -> None:
        """Dry run: which rules would act on a message, and why. Nothing is stored."""
        import asyncio
        from datetime import UTC, datetime

        from adapters.recording import RecordingAdapter
        from bot.app import build_runtime
        from bot.events import Actor, MessagePosted
        from bot.playbook import PlaybookInvalid

        async def go() -> list[str]:
            runtime = await build_runtime(
                db_url="sqlite:///:memory:", playbook=file, adapters={"replay": RecordingAdapter()}
            )
            try:
                handled = await runtime.handle(
                    MessagePosted(
                        platform="replay",
                        community_id="explain",
                        occurred_at=datetime.now(UTC),
                        channel_id="general",
                        message_id="probe",
                        author=Actor(user, user),
                        text=text,
                    ),
                    explain=True,
                )
                return [
                    f"{'✅ fires' if o.fired else '·  quiet'}  {o.rule}: {o.reason}"
                    for o in handled.outcomes
                ]
            finally:
                await runtime.store.close()

        try:
            lines = asyncio.run(go())
        except PlaybookInvalid as exc:
            fail("the playbook is not valid:\n" + str(exc))
        for line in lines or ["no enabled rule looks at messages"]:
            Console(highlight=False).print(line, markup=False)
