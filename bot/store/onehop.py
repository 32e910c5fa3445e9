"""SQLite statements in one hop to aiosqlite's thread instead of three or four, and writes in
none.

aiosqlite runs every call on its own thread, and SQLAlchemy's adapter makes a call of each
step of a statement: create a cursor, execute, fetch the rows, close the cursor. Each call
is a queue put, a thread switch and a future — under load it costs more than the statement
(1.4 ms a hop on the loaded 2-core machine, against tens of µs for the statement itself).
Here a read runs from its cursor's creation to its close in one call on that thread.

Writes (INSERT, UPDATE, DELETE), commits and rollbacks run on the event loop's own thread,
with no hop at all: on a local WAL file with `synchronous=NORMAL` they touch no disk until a
checkpoint, and the caller awaits them anyway. What must not happen on the loop is waiting
for a lock: the first write of a transaction (the one that takes SQLite's write lock) is
tried with a busy timeout of 0, and when another connection holds the lock it goes to the
thread as before, waiting there up to the usual timeout while other events are served
(once the lock is ours, no later write of the transaction waits). Reads stay on the thread:
a long report query must not stop the loop. The connection is never used by two threads at
once (SQLAlchemy awaits each call on a connection, and a hop in flight keeps the loop off it).
The SQL, the parameters, the transaction and the results are SQLAlchemy's, unchanged.

It relies on internals of SQLAlchemy's asyncio adapter and of aiosqlite: `install` checks
they are there and otherwise leaves the stock adapter in place (every call still works,
only slower)."""

from __future__ import annotations

import collections
import logging
import sqlite3
from contextvars import ContextVar
from typing import Any

log = logging.getLogger(__name__)

try:  # the adapter classes of the SQLAlchemy versions this is written for
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
    )
    from sqlalchemy.util.concurrency import await_
except ImportError:  # pragma: no cover - another SQLAlchemy layout
    AsyncAdapt_aiosqlite_connection = AsyncAdapt_aiosqlite_cursor = None  # type: ignore[misc,assignment]

_NEEDED = (
    "_make_new_cursor",
    "_aenter_cursor",
    "_execute_async",
    "_executemany_async",
    "_async_soft_close",
    "_soft_closed_memoized",
    "_rows",
    "_adapt_connection",
)


def _supported() -> bool:
    if AsyncAdapt_aiosqlite_cursor is None or AsyncAdapt_aiosqlite_connection is None:
        return False
    cursor_attrs = set(dir(AsyncAdapt_aiosqlite_cursor))
    return all(name in cursor_attrs for name in _NEEDED) and hasattr(
        AsyncAdapt_aiosqlite_connection, "_cursor_cls"
    )


SUPPORTED = _supported()
# True while a write runs from a plain greenlet (`Store.sessions.run`): no
# `AsyncConnection.execute` waits for proof that it awaited something
unawaited: ContextVar[bool] = ContextVar("qunbot_onehop_unawaited", default=False)
BUSY_TIMEOUT_MS = 5000  # how long a write waits for another connection's lock (on the thread)
_WRITES = frozenset(("INSERT", "UPDATE", "DELETE", "REPLAC"))


def _writes(operation: Any) -> bool:
    return isinstance(operation, str) and operation.lstrip()[:6].upper() in _WRITES


class _Busy(Exception):
    """Another connection holds the write lock: the statement goes to the thread."""


class _Done:
    """What SQLAlchemy reads of a cursor after a statement, taken in the statement's hop (the
    sqlite3 cursor itself never leaves aiosqlite's thread)."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1


def _run(conn: Any, done: _Done, many: bool, operation: Any, parameters: Any) -> list[Any] | None:
    """On aiosqlite's thread: the statement from its cursor's creation to its close."""
    raw = conn.cursor()
    try:
        if many:
            raw.executemany(operation, parameters)
        elif parameters is None:
            raw.execute(operation)
        else:
            raw.execute(operation, parameters)
        done.description, done.rowcount, done.lastrowid = (
            raw.description,
            raw.rowcount,
            raw.lastrowid,
        )
        return raw.fetchall() if raw.description else None
    finally:
        raw.close()


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "locked" in str(exc)


def _write_here(
    conn: sqlite3.Connection, done: _Done, many: bool, operation: Any, parameters: Any
) -> list[Any] | None:
    """On the loop's thread: a write. The first of a transaction takes the write lock, and
    must not wait for it here: tried without a busy timeout, `_Busy` when it is taken (the
    transaction it began is rolled back: it holds nothing yet)."""
    if conn.in_transaction:  # the lock is ours: nothing to wait for
        return _run(conn, done, many, operation, parameters)
    conn.execute("PRAGMA busy_timeout=0")
    try:
        return _run(conn, done, many, operation, parameters)
    except sqlite3.OperationalError as exc:
        if not _busy(exc):
            raise
        if conn.in_transaction:
            conn.rollback()
        raise _Busy from exc
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


if SUPPORTED:

    class OneHopCursor(AsyncAdapt_aiosqlite_cursor):  # type: ignore[misc,valid-type]
        """`self._cursor` holds what the statement's hop brought back (`_Done`)."""

        __slots__ = ()

        def execute(self, operation: Any, parameters: Any = None) -> Any:
            if _writes(operation) and self._here(False, operation, parameters):
                return None
            return super().execute(operation, parameters)

        def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
            if _writes(operation) and self._here(True, operation, seq_of_parameters):
                return None
            return super().executemany(operation, seq_of_parameters)

        def _here(self, many: bool, operation: Any, parameters: Any) -> bool:
            """Run a write on this thread; False when it must hop (a closed connection, a
            hop in flight, another connection's write lock)."""
            conn = _idle(self._adapt_connection)
            if conn is None:
                return False
            try:
                rows = _write_here(conn, self._cursor, many, operation, parameters)
            except _Busy:
                return False
            except Exception as error:
                self._adapt_connection._handle_exception(error)
            if rows is not None:
                self._rows = collections.deque(rows)
            if not unawaited.get():
                # SQLAlchemy's AsyncConnection.execute insists on an await: one that is
                # already done (two greenlet switches, no trip through the event loop)
                await_(_nothing())
            return True

        def _make_new_cursor(self, connection: Any) -> Any:
            return _Done()

        def _aenter_cursor(self, cursor: Any) -> Any:
            return cursor

        async def _execute_async(self, operation: Any, parameters: Any) -> Any:
            await self._hop(False, operation, parameters)

        async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
            await self._hop(True, operation, seq_of_parameters)

        async def _hop(self, many: bool, operation: Any, parameters: Any) -> None:
            aio = self._connection  # aiosqlite's connection; `_conn` is its sqlite3 one
            async with self._adapt_connection._execute_mutex:
                rows = await aio._execute(
                    _run, aio._conn, self._cursor, many, operation, parameters
                )
            if rows is not None:
                self._rows = collections.deque(rows)

        async def _async_soft_close(self) -> None:
            return  # nothing is open: the hop closed the cursor

        def close(self) -> None:
            self._rows.clear()

    async def _nothing() -> None:
        return None

    def _idle(adapted: Any) -> sqlite3.Connection | None:
        """The sqlite3 connection, when this thread may use it now."""
        aio = adapted._connection
        conn = aio._connection
        if conn is None or not aio._running or adapted._execute_mutex.locked():
            return None
        return conn  # type: ignore[no-any-return]

    class OneHopConnection(AsyncAdapt_aiosqlite_connection):  # type: ignore[misc,valid-type]
        __slots__ = ()
        _cursor_cls = OneHopCursor

        def commit(self) -> None:
            self._end("commit")

        def rollback(self) -> None:
            self._end("rollback")

        def _end(self, verb: str) -> None:
            """Commit or roll back on this thread when the connection is idle, else hop."""
            conn = _idle(self)
            if conn is None:
                getattr(super(), verb)()
                return
            try:
                getattr(conn, verb)()
            except Exception as error:
                self._handle_exception(error)


def install(dbapi_connection: Any) -> None:
    """Make a new SQLite connection of the pool run its statements in one hop (called from
    the engine's `connect` event)."""
    if SUPPORTED and type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        try:  # opened with check_same_thread=False (`db.create_engine`): usable from here
            _ = dbapi_connection._connection._conn.in_transaction
        except sqlite3.ProgrammingError:
            log.debug("an SQLite connection bound to its thread: the stock adapter serves it")
            return
        dbapi_connection.__class__ = OneHopConnection
