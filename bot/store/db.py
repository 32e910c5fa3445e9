"""Opening the database: URL normalisation, SQLite pragmas, migrations, clear errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.shipped import shipped_dir
from bot.store import onehop

MIGRATIONS_DIR = shipped_dir("migrations")  # a checkout's migrations/, or the installed copy


class StoreError(RuntimeError):
    """The database cannot be used; the message says what to do."""


def unreachable(exc: BaseException) -> bool:
    """The database went away (connection refused, reset or terminated, a lock that never
    frees), as opposed to a refused statement (a unique key, a bad value): worth retrying."""
    from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, (OSError, TimeoutError))


class Taken(Exception):
    """Rolls an all-or-none claim back: some of its rows were already taken by someone else
    (`taken` says which, when the caller wants to know)."""

    def __init__(self, taken: Any = None) -> None:
        super().__init__(taken)
        self.taken = taken


def normalize_url(url: str) -> str:
    """Accept the URLs operators write (`sqlite:///x.db`, `postgresql://...`) and pick the async
    drivers we ship."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(
            f"database url {url!r} is not a valid URL; "
            "use e.g. sqlite:///data/qunbot.db or postgresql://user@host:5432/db"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise StoreError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    onehop.install(dbapi_connection)  # one aiosqlite hop per statement, not three or four
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL sync is safe with WAL and ~2x faster
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={onehop.BUSY_TIMEOUT_MS}")
    cursor.close()


def _skip_when_idle(end: Callable[[Any], None]) -> Callable[[Any], None]:
    """A dialect's commit or rollback that does nothing when the SQLite connection holds no
    transaction (a read, a connection going back to the pool after its commit): each call is
    a hop to aiosqlite's thread, and one in nine of them had nothing to end."""

    def maybe(dbapi_connection: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and not getattr(driver, "in_transaction", True):
            return
        end(dbapi_connection)

    return maybe


# a pooled PostgreSQL connection idle longer than this is pinged before use; one used just now
# is not (`pool_pre_ping` pings at every checkout: on asyncpg a BEGIN, a `;` and a ROLLBACK)
PING_IDLE_SECONDS = 5.0


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Any) -> Callable[[Any, Any, Any], None]:
    """A checkout listener: a connection idle past `PING_IDLE_SECONDS` (the server may have
    restarted or cut it meanwhile) is pinged, and a dead one is replaced before the caller
    uses it — what `pool_pre_ping` does, without a round trip for a connection in steady use.
    A connection that dies while in use fails its statement, which invalidates the pool."""

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
            return  # new (just connected) or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool replaces it (a refused connect raises from there)
            raise DisconnectionError("pooled connection is gone") from exc

    return checkout


def create_engine(url: str) -> AsyncEngine:
    full = normalize_url(url)
    if full.startswith("sqlite"):
        # writes run on the loop's thread, reads on aiosqlite's (`onehop`): never both at once
        engine = create_async_engine(full, connect_args={"check_same_thread": False})
    else:
        # LIFO: the few connections in use stay warm (and unpinged), the rest idle out
        engine = create_async_engine(full, pool_use_lifo=True)
        event.listen(engine.sync_engine.pool, "checkin", _checked_in)
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle(engine.dialect))
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        dialect: Any = engine.dialect  # this engine's own dialect instance
        dialect.do_rollback = _skip_when_idle(dialect.do_rollback)
        dialect.do_commit = _skip_when_idle(dialect.do_commit)
    return engine


def _alembic_config(connection: Connection | None, url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    from alembic import command

    def run(sync_conn: Connection) -> None:
        command.upgrade(_alembic_config(sync_conn, str(engine.url)), revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # several processes may start at once: one migrates, the others wait and find the
            # schema already new (the lock ends with the transaction)
            from sqlalchemy import text

            await conn.execute(text("SELECT pg_advisory_xact_lock(7426001)"))
        await conn.run_sync(run)


async def current_revisions(engine: AsyncEngine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    def read(sync_conn: Connection) -> set[str]:
        return set(MigrationContext.configure(sync_conn).get_current_heads())

    async with engine.connect() as conn:
        return await conn.run_sync(read)


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config(None, "")).get_heads())


async def check_reachable(engine: AsyncEngine) -> None:
    from sqlalchemy import text

    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        safe = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"cannot reach the database at {safe}: {exc.__class__.__name__}: {exc}. "
            "Check `database.url` in your config (or --db), and that the server is running."
        ) from exc
