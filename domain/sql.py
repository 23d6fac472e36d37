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
from collections.abc import Sequence
from datetime import UTC, date, datetime
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


def bound_value(value: Any, postgres: bool) -> Any:
    """`value` as a statement parameter: enums as their values; on SQLite, datetimes (in UTC)
    and dates as the ISO text Tortoise stores."""
    if isinstance(value, Enum):
        return value.value
    if not postgres and isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ")
    if not postgres and isinstance(value, date):
        return value.isoformat()
    return value


class Sql:
    """One statement. `:name` marks a parameter; a name used twice is bound once. `{alias}`
    stands for every column of the model given as `alias=Model`, prefixed `alias.`, so the
    row can be read back with `as_model`. Runs of whitespace become one space (the text is
    logged with every run)."""

    __slots__ = ("_models", "_rendered", "text")

    def __init__(self, text: str, **models: type[Model]) -> None:
        self.text = " ".join(text.split())
        self._models = models
        self._rendered: dict[bool, tuple[str, tuple[str, ...]]] = {}

    def render(self, postgres: bool) -> tuple[str, tuple[str, ...]]:
        """The dialect's text and the parameter names in placeholder order, built on first use
        (models know their columns only once Tortoise is initialised) and then cached."""
        rendered = self._rendered.get(postgres)
        if rendered is None:
            text = self.text
            if self._models:
                models = self._models.items()
                text = text.format_map({alias: columns(model, alias) for alias, model in models})
            names: list[str] = []

            def placeholder(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in names:
                    names.append(name)
                return f"{'$' if postgres else '?'}{names.index(name) + 1}"

            rendered = _PARAMETER.sub(placeholder, text), tuple(names)
            self._rendered[postgres] = rendered
        return rendered

    def bind(self, db: BaseDBAsyncClient, params: dict[str, Any]) -> tuple[str, list[Any]]:
        postgres = _postgres(db)
        text, names = self.render(postgres)
        return text, [bound_value(params[name], postgres) for name in names]


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


def placeholders(name: str, count: int) -> str:
    """`:name_0, :name_1, ...` for an IN list of `count` values (bound with `numbered`)."""
    return ", ".join(f":{name}_{index}" for index in range(count))


def numbered(name: str, values: Sequence[Any]) -> dict[str, Any]:
    return {f"{name}_{index}": value for index, value in enumerate(values)}


def as_model(model: type[M], row: dict[str, Any], alias: str | None = None) -> M:
    """A model instance from a row holding all of its columns (as `{alias}` selects them),
    converted as Tortoise reads them (SQLite's text datetimes and JSON, integer booleans)."""
    if alias is not None:
        row = {name: row[f"{alias}.{name}"] for name in model._meta.db_fields}
    return model._init_from_db(**row)


def columns(model: type[Model], alias: str) -> str:
    """Every column of `model` as `alias."col" AS "alias.col"`, for `as_model(..., alias)`."""
    return ", ".join(
        f'{alias}."{name}" AS "{alias}.{name}"' for name in sorted(model._meta.db_fields)
    )


_INSERTS: dict[tuple[type[Model], int], tuple[Sql, tuple[str, ...]]] = {}


def _insert_statement(model: type[Model], rows: int) -> tuple[Sql, tuple[str, ...]]:
    """INSERT of `rows` rows of every column but a generated key (cached per model and size)."""
    statement = _INSERTS.get((model, rows))
    if statement is None:
        meta = model._meta
        fields = tuple(
            name
            for name in meta.fields_db_projection
            if not (name == meta.pk_attr and meta.pk.generated)
        )
        names = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in fields)
        values = ", ".join(
            "(" + ", ".join(f":{name}_{row}" for name in fields) + ")" for row in range(rows)
        )
        returning = f' RETURNING "{meta.db_pk_column}"' if meta.pk.generated else ""
        text = f'INSERT INTO "{meta.db_table}" ({names}) VALUES {values}{returning}'
        statement = _INSERTS[(model, rows)] = (Sql(text), fields)
    return statement


def _insert_params(instances: Sequence[Model], fields: tuple[str, ...]) -> dict[str, Any]:
    fields_map = instances[0]._meta.fields_map
    return {
        f"{name}_{row}": fields_map[name].to_db_value(getattr(instance, name), instance)
        for row, instance in enumerate(instances)
        for name in fields
    }


async def insert(instance: Model) -> None:
    """Write a new model instance in one statement and give it its generated key: what
    `Model.create` does, without building the statement each time."""
    statement, fields = _insert_statement(type(instance), 1)
    rows = await fetch(statement, **_insert_params([instance], fields))
    meta = instance._meta
    if meta.pk.generated:
        instance.pk = rows[0][meta.db_pk_column]
    instance._saved_in_db = True


async def insert_many(instances: Sequence[Model]) -> None:
    """Write new instances of one model in one statement. Their generated keys are not read
    back (as with Tortoise's `bulk_create`)."""
    if instances:
        statement, fields = _insert_statement(type(instances[0]), len(instances))
        await fetch(statement, **_insert_params(instances, fields))


def python_value(model: type[Model], field: str, value: Any) -> Any:
    """A column read without its model, converted as Tortoise would (SQLite's text datetimes)."""
    return model._meta.fields_map[field].to_python_value(value)
