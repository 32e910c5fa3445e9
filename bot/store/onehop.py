"""SQLite statements in one hop to aiosqlite's thread instead of three or four.

aiosqlite runs every call on its own thread, and SQLAlchemy's adapter makes a call of each
step of a statement: create a cursor, execute, fetch the rows, close the cursor. Each call
is a queue put, a thread switch and a future — under load it costs more than the statement.
Here a statement runs from its cursor's creation to its close in one call on that thread
(the cursor never leaves it: an in-memory database's connection refuses other threads).
The SQL, the parameters, the transaction and the results are SQLAlchemy's, unchanged.

It relies on internals of SQLAlchemy's asyncio adapter and of aiosqlite: `install` checks
they are there and otherwise leaves the stock adapter in place (every call still works,
only slower)."""

from __future__ import annotations

import collections
import logging
from typing import Any

log = logging.getLogger(__name__)

try:  # the adapter classes of the SQLAlchemy versions this is written for
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
    )
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


if SUPPORTED:

    class OneHopCursor(AsyncAdapt_aiosqlite_cursor):  # type: ignore[misc,valid-type]
        """`self._cursor` holds what the statement's hop brought back (`_Done`)."""

        __slots__ = ()

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

    class OneHopConnection(AsyncAdapt_aiosqlite_connection):  # type: ignore[misc,valid-type]
        __slots__ = ()
        _cursor_cls = OneHopCursor


def install(dbapi_connection: Any) -> None:
    """Make a new SQLite connection of the pool run its statements in one hop (called from
    the engine's `connect` event)."""
    if SUPPORTED and type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
