"""Tortoise configuration (one app, every model module) and the transaction helper."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.transactions import in_transaction

log = logging.getLogger("siyu.db")

APP_LABEL = "models"

MODEL_MODULES = [
    "domain.settings.models",
    "domain.org.models",
    "domain.members.models",
    "domain.catalog.models",
    "domain.access.models",
    "domain.orders.models",
    "domain.payments.models",
    "domain.ops.models",
    "domain.wechat.models",
    "domain.storefront.models",
    "domain.outbox.models",
    "domain.notifications.models",
    "domain.shipping.models",
    "distribution.models",
    "distribution.follow_ups.models",
    "distribution.posters.models",
    "loyalty.models",
    "loyalty.audience.models",
    "loyalty.workbench.models",
    "distribution.content.models",
]


def normalise_url(database_url: str) -> str:
    """Accept the usual `postgresql://` spelling; add SQLite's busy timeout for many processes."""
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        # WAL with synchronous=NORMAL is durable across application crashes and costs no fsync
        # per commit; busy_timeout lets several processes share the file.
        for pragma in ("busy_timeout=5000", "synchronous=NORMAL"):
            if pragma.split("=")[0] not in database_url:
                database_url += ("&" if "?" in database_url else "?") + pragma
    return database_url


class _PooledConnection(asyncpg.Connection):
    """asyncpg resets a pooled connection on every release with a query (RESET ALL, UNLISTEN,
    CLOSE ALL, advisory unlock): one more round trip for every statement run outside a
    transaction. siyu sets no session state, listens to nothing and takes no advisory locks, so
    the query is skipped; asyncpg still rolls back a transaction left open."""

    def get_reset_query(self) -> str:
        return ""


def _connection(database_url: str) -> str | dict[str, Any]:
    url = normalise_url(database_url)
    if not url.startswith("postgres://"):
        return url
    expanded = expand_db_url(url)
    expanded["credentials"]["connection_class"] = _PooledConnection
    return expanded


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# The hooks `after_commit` deferred in the innermost open `transaction()` block of this task.
_commit_hooks: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "siyu_commit_hooks", default=None
)

Flush = Callable[[list[Any]], Awaitable[None]]
# The writes `write_before_commit` gathered in the innermost open `transaction()` block, per
# the function that writes them.
_deferred_writes: ContextVar[dict[Flush, list[Any]] | None] = ContextVar(
    "siyu_deferred_writes", default=None
)


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """One business operation = one transaction (nested calls join the outer one as a
    savepoint). Hooks registered with `after_commit` inside run once the outermost block has
    committed; writes gathered with `write_before_commit` are written just before it commits;
    a block that rolls back (a savepoint included) drops the hooks and writes gathered in it."""
    outer = _commit_hooks.get()
    outer_writes = _deferred_writes.get()
    hooks: list[Callable[[], None]] = []
    writes: dict[Flush, list[Any]] = {}
    token = _commit_hooks.set(hooks)
    writes_token = _deferred_writes.set(writes)
    try:
        async with in_transaction("default") as connection:
            yield connection
            if outer_writes is None:
                for flush, items in writes.items():
                    await flush(items)
    finally:
        _commit_hooks.reset(token)
        _deferred_writes.reset(writes_token)
    if outer_writes is not None:
        for flush, items in writes.items():
            outer_writes.setdefault(flush, []).extend(items)
    if outer is not None:
        outer.extend(hooks)
        return
    for hook in hooks:
        try:
            hook()
        except Exception:  # the operation is committed: a hook must not turn it into an error
            log.exception("after-commit hook failed")


def write_before_commit(flush: Flush, item: Any) -> bool:
    """Gather `item` to be written by `flush` (with every other item gathered for it) just
    before the current transaction commits: rows that several parts of one operation add (the
    outbox's) then cost one statement. False outside any `transaction()`: write it now."""
    writes = _deferred_writes.get()
    if writes is None:
        return False
    writes.setdefault(flush, []).append(item)
    return True


def after_commit(hook: Callable[[], None]) -> None:
    """Run `hook` (synchronous, quick: a metric) once the current transaction commits, never if
    it rolls back; at once outside any `transaction()`, where every statement commits itself."""
    pending = _commit_hooks.get()
    if pending is None:
        hook()
    else:
        pending.append(hook)
