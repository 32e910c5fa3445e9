from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest

PG_ADMIN_URL = os.environ.get("QUNBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


async def _pg_available() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        return f"{exc.__class__.__name__}: {exc}"
    await conn.close()
    return None


@contextlib.asynccontextmanager
async def _fresh_pg() -> AsyncIterator[str]:
    """A throw-away PostgreSQL database; skips without the server, fails under CI=true."""
    problem = await _pg_available()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {problem}"
            )
        pytest.skip(f"no PostgreSQL at {PG_ADMIN_URL} ({problem}); set QUNBOT_TEST_PG to run")
    import asyncpg

    name = f"qunbot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """A fresh, empty database: an SQLite file, or a throw-away PostgreSQL database.

    PostgreSQL tests skip on a machine without the server, but fail under CI=true."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    async with _fresh_pg() as url:
        yield url


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A throw-away PostgreSQL database only (for what SQLite cannot show)."""
    async with _fresh_pg() as url:
        yield url
