"""Hand-written SQL for the statements every checkout runs.

Why: building a statement through Tortoise (filters resolved, a pypika tree built and copied,
then rendered) costs 0.3-1.5 ms of CPU, several times what the database spends on it. On the
checkout path that was half of the app's CPU, and CPU is what caps paid orders per second. The
statements here are written once, with named parameters (`:name`), rendered once per dialect
and then only bound, so a hot statement costs about what the driver costs.

Both dialects take the same text: ANSI SQL with `RETURNING`, `ON CONFLICT` and numbered
placeholders (`$1` on PostgreSQL, `?1` on SQLite). Values are passed as Tortoise stores them:
SQLite gets datetimes as UTC ISO text; enums go as their values. Rows come back as dicts; a
caller that needs a model builds it with `as_model`, which converts columns as Tortoise does.
Statements run on the connection of the current transaction, if any, like the ORM's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

_PARAMETER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
M = TypeVar("M", bound=Model)


def _connection() -> BaseDBAsyncClient:
    return connections.get("default")


def _postgres(db: BaseDBAsyncClient) -> bool:
    return db.capabilities.dialect == "postgres"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ")
    return _plain(value)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


class Sql:
    """One statement. `:name` marks a parameter; a name used twice is bound once."""

    __slots__ = ("text", "_rendered")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self._rendered: dict[bool, tuple[str, tuple[str, ...]]] = {}

    def render(self, postgres: bool) -> tuple[str, tuple[str, ...]]:
        """The dialect's text and the parameter names in placeholder order (cached)."""
        rendered = self._rendered.get(postgres)
        if rendered is None:
            names: list[str] = []

            def placeholder(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in names:
                    names.append(name)
                return f"{'$' if postgres else '?'}{names.index(name) + 1}"

            rendered = _PARAMETER.sub(placeholder, self.text), tuple(names)
            self._rendered[postgres] = rendered
        return rendered

    def bind(self, db: BaseDBAsyncClient, params: dict[str, Any]) -> tuple[str, list[Any]]:
        postgres = _postgres(db)
        text, names = self.render(postgres)
        convert = _plain if postgres else _sqlite_value
        return text, [convert(params[name]) for name in names]


async def fetch(sql: Sql, **params: Any) -> list[dict[str, Any]]:
    """The rows of a SELECT (or of an INSERT/UPDATE ... RETURNING), as dicts."""
    db = _connection()
    text, values = sql.bind(db, params)
    return await db.execute_query_dict(text, values)


async def fetch_one(sql: Sql, **params: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, **params)
    return rows[0] if rows else None


async def execute(sql: Sql, **params: Any) -> int:
    """Run an INSERT, UPDATE or DELETE without RETURNING; the number of rows it touched."""
    db = _connection()
    text, values = sql.bind(db, params)
    count, _ = await db.execute_query(text, values)
    return count


def is_postgres() -> bool:
    return _postgres(_connection())


def as_model(model: type[M], row: dict[str, Any]) -> M:
    """A model instance from a row holding all of its columns, converted as Tortoise reads
    them (SQLite's text datetimes and JSON, integer booleans)."""
    return model._init_from_db(**row)


def columns(model: type[Model], prefix: str = "") -> str:
    """Every column of `model`, for a SELECT that `as_model` reads back."""
    return ", ".join(f'{prefix}"{name}"' for name in sorted(model._meta.db_fields))


def db_value(model: type[Model], field: str, value: Any) -> Any:
    """`value` as Tortoise would write it to `field` (JSON as text, for example)."""
    return model._meta.fields_map[field].to_db_value(value, None)
