"""`qunbot member export|forget USER --community PLATFORM:ID`: member data rights for operators.

The same as a member's /mydata and an admin's /forget @member, on the database directly (for a
request that came by e-mail, or a member who left). While a bot serves the community, prefer
/forget in the chat: the running bot holds the community's state in memory and would keep
what it holds until it restarts.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from bot.cli.common import fail, run_async

DEFAULT_DB = "sqlite:///data/qunbot.db"
COMMUNITY_HELP = "the community as PLATFORM:ID, e.g. telegram:-1001234567890 or discord:4815"


def _community(value: str) -> tuple[str, str]:
    platform, sep, external = value.partition(":")
    if not sep or not platform or not external:
        fail(f"--community {value!r}: write it as PLATFORM:ID, e.g. telegram:-1001234567890")
    return platform, external


async def _open(url: str, community: str):  # type: ignore[no-untyped-def]
    from bot.store import Store, StoreError

    platform, external = _community(community)
    try:
        store = await Store.open(url, migrate=False)
    except StoreError as exc:
        fail(str(exc))
    known = {ref.key: ref for ref in await store.communities()}
    ref = known.get((platform, external))
    if ref is None:
        await store.close()
        names = ", ".join(f"{p}:{e}" for p, e in sorted(known)) or "none yet"
        fail(f"no community {community} in {url} (known: {names})")
    return store, ref


def _member_rows():  # type: ignore[no-untyped-def]
    import rules
    from bot.privacy import all_member_rows

    return all_member_rows(rules.discover())


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="A member's stored data: export it, or forget it.", no_args_is_help=True
    )
    app.add_typer(group, name="member")

    @group.command("export")
    def export(
        user: str = typer.Argument(..., help="the member's platform id"),
        community: str = typer.Option(..., "--community", "-c", help=COMMUNITY_HELP),
        url: str = typer.Option(DEFAULT_DB, "--db", help="database URL"),
        out: Path | None = typer.Option(None, "--out", "-o", help="write here (default: stdout)"),
    ) -> None:
        """Everything stored about one member, as JSON (what /mydata sends them)."""
        from bot.store import privacy as q
        from rules.privacy.rules import export_document, record_count

        async def go() -> tuple[bytes, int]:
            store, ref = await _open(url, community)
            try:
                rows = await q.export_member(store, ref, user, _member_rows())
            finally:
                await store.close()
            now = datetime.now(UTC)
            return export_document(community, ref.platform, user, rows, now), record_count(rows)

        document, count = run_async(go())
        if out is None:
            sys.stdout.write(document.decode("utf-8") + "\n")
            return
        out.write_bytes(document)
        Console(stderr=True).print(f"{count} records of {user} written to {out}")

    @group.command("forget")
    def forget(
        user: str = typer.Argument(..., help="the member's platform id"),
        community: str = typer.Option(..., "--community", "-c", help=COMMUNITY_HELP),
        url: str = typer.Option(DEFAULT_DB, "--db", help="database URL"),
        yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
    ) -> None:
        """Delete or anonymise one member's data in every capability (what /forget does)."""
        from bot.store import privacy as q

        if not yes and not typer.confirm(
            f"Forget {user} in {community}? This cannot be undone", default=False
        ):
            fail("nothing was changed", code=1)

        async def go() -> str:
            store, ref = await _open(url, community)
            try:
                report = await q.forget_member(store, ref, user, _member_rows())
            finally:
                await store.close()
            return f"forgot {user} in {community} as {report.anon}: {report.summary()}"

        Console().print(run_async(go()))
