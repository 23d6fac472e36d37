"""Test fixtures: every database test runs on SQLite and, with TEST_POSTGRES_URL, on PostgreSQL.

One pytest process per backend (`--backend sqlite|postgres`; `make test` runs both): Tortoise
caches per-dialect SQL on model classes, so one process must not mix dialects.
SQLite: a fresh in-memory database per test. PostgreSQL: one fresh database per run, built by the
real migrations, emptied before each test. REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a
failure instead of a skip (CI sets it).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest
from tortoise.context import TortoiseContext

from distribution.commission.rules import ensure_default_plan
from domain.db import tortoise_config
from domain.settings.service import forget_cached_settings
from loyalty.tiers import ensure_default_tiers
from tests.support.api import ApiFactory

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=("sqlite", "postgres"), default="sqlite")


def pytest_configure(config: pytest.Config) -> None:
    # A developer's shell may carry OTEL_* settings: tests that want tracing set their own.
    for key in [key for key in os.environ if key.startswith("OTEL_")]:
        del os.environ[key]
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")


def _server_and_name(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _create_test_database(url: str) -> str:
    name = f"siyu_test_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    database_url = _server_and_name(url, name)
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate

    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()
    return database_url


async def _drop_test_database(url: str, database_url: str) -> None:
    name = database_url.rpartition("/")[2]
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _run_aside(coroutine_function, *args):
    """Run a coroutine to completion on its own loop in a thread (fixtures may sit in a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result()


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    try:
        database_url = _run_aside(_create_test_database, POSTGRES_URL)
    except (OSError, asyncpg.PostgresError) as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but unavailable: {error}")
        pytest.skip(f"PostgreSQL unavailable: {error}")
    yield database_url
    _run_aside(_drop_test_database, POSTGRES_URL, database_url)


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("backend")


@pytest.fixture
async def db(backend: str, request: pytest.FixtureRequest) -> AsyncIterator[TortoiseContext]:
    """A clean database for one test, with the default tiers."""
    forget_cached_settings()
    if backend == "sqlite":
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config("sqlite://:memory:"))
            await ctx.generate_schemas(safe=False)
            await ensure_default_tiers()
            await ensure_default_plan()
            yield ctx
        return
    database_url = request.getfixturevalue("postgres_database_url")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url))
        await _truncate_all(ctx)
        await ensure_default_tiers()
        await ensure_default_plan()
        yield ctx


async def _truncate_all(ctx: TortoiseContext) -> None:
    tables = ", ".join(f'"{model._meta.db_table}"' for model in ctx.apps.get_models_iterable())
    await ctx.db().execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def api(db: TortoiseContext) -> ApiFactory:
    """HTTP clients with real JWTs against the app (see tests/support/api.py)."""
    return ApiFactory()
