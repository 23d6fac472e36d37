"""Hand-written SQL: the one module through which every hand-written statement is written,
registered, rendered and bound.

Why: building a statement through Tortoise (filters resolved, a pypika tree built and copied,
then rendered) costs 0.3-1.5 ms of CPU, several times what the database spends on it. On the
checkout path that was half of the app's CPU, and CPU is what caps paid orders per second. The
statements here are written once, with named parameters (`:name`), rendered once per dialect
and then only bound, so a hot statement costs about what the driver costs.

Both dialects take the same text (ANSI SQL with `RETURNING`, `ON CONFLICT`) with numbered
placeholders (`$1` on PostgreSQL, `?1` on SQLite). Where the dialects differ (the reports' date
arithmetic), a statement's text is a function of the dialect, still built once per dialect.
Values are passed as Tortoise stores them: SQLite gets datetimes as UTC ISO text; enums go as
their values. Rows come back as dicts; a caller that needs a model builds it with `as_model`,
which converts columns as Tortoise does. Statements run on the connection of the current
transaction, if any, like the ORM's.

Guardrails (issue 11), so that a renamed column fails a test, not a payment:
- every statement has a name and registers itself in `REGISTRY` when it is created; modules
  create theirs at import time. Statements that vary at run time are registered as a whole:
  a `family` (one statement per IN-list size, say) registers the builder with the variants
  that stand for it, and `registered()` builds those; report variants are all built at import
  (distribution/reports/run.py). tests/domain/test_sql.py prepares every registered statement
  on SQLite and PostgreSQL against the migrated schema;
- no enum value is written into SQL text: a statement that compares with one binds it, as a
  `constants` parameter (the test scans every statement for quoted enum values);
- inserts are generated from the model's metadata (`Insert`), with the values of model
  instances, so Python-side defaults are written and a new field needs no edit here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

_PARAMETER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
M = TypeVar("M", bound=Model)
F = TypeVar("F", bound=Callable[..., "Sql"])

# A statement's text: the same for both dialects, or built per dialect (True: PostgreSQL).
Source = str | Callable[[bool], str]


def _connection() -> BaseDBAsyncClient:
    return connections.get("default")


def is_postgres(db: BaseDBAsyncClient | None = None) -> bool:
    return (db or _connection()).capabilities.dialect == "postgres"


def bound_value(value: Any, postgres: bool) -> Any:
    """`value` as a statement parameter: enums as their values; on SQLite, datetimes (in UTC)
    and dates as the ISO text Tortoise stores, and a list as JSON text (an array on
    PostgreSQL)."""
    if isinstance(value, Enum):
        return value.value
    if not postgres and isinstance(value, list):
        return json.dumps(value)  # read back by json_each: one statement for any length
    if not postgres and isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(" ")
    if not postgres and isinstance(value, date):
        return value.isoformat()
    return value


REGISTRY: dict[str, Sql] = {}


class Sql:
    """One named statement. `:name` marks a parameter; a name used twice is bound once.
    `{alias}` stands for every column of the model given as `alias=Model`, prefixed `alias.`,
    so the row can be read back with `as_model`. `constants` are parameters bound on every run
    (the enum values the statement compares with). Runs of whitespace become one space (the
    text is logged with every run). Creating a statement registers it under `name`; a second
    statement with the same name and another text is a mistake and refused."""

    __slots__ = ("_models", "_rendered", "_source", "_texts", "constants", "name")

    def __init__(
        self,
        name: str,
        text: Source,
        *,
        constants: Mapping[str, Any] | None = None,
        **models: type[Model],
    ) -> None:
        self.name = name
        self._source = text
        self._models = models
        self.constants = dict(constants or {})
        self._texts: dict[bool, str] = {}
        self._rendered: dict[bool, tuple[str, tuple[str, ...]]] = {}
        _register(self)

    def _build(self, postgres: bool) -> str:
        source = self._source
        text = source(postgres) if callable(source) else source
        if self._models:
            models = self._models.items()
            text = text.format_map({alias: columns(model, alias) for alias, model in models})
        return text

    def text(self, postgres: bool) -> str:
        """The statement with named parameters, for the dialect (models know their columns
        only once Tortoise is initialised, so this is built on first use)."""
        text = self._texts.get(postgres)
        if text is None:
            text = self._texts[postgres] = " ".join(self._build(postgres).split())
        return text

    def render(self, postgres: bool) -> tuple[str, tuple[str, ...]]:
        """The dialect's text and the parameter names in placeholder order, built on first use
        and then cached."""
        rendered = self._rendered.get(postgres)
        if rendered is None:
            names: list[str] = []

            def placeholder(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in names:
                    names.append(name)
                return f"{'$' if postgres else '?'}{names.index(name) + 1}"

            rendered = _PARAMETER.sub(placeholder, self.text(postgres)), tuple(names)
            self._rendered[postgres] = rendered
        return rendered

    def bind(self, db: BaseDBAsyncClient, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The dialect's text and its values in placeholder order; KeyError names a missing
        parameter before anything runs."""
        postgres = is_postgres(db)
        text, names = self.render(postgres)
        if self.constants:
            params = {**self.constants, **params}
        return text, [bound_value(params[name], postgres) for name in names]

    def __repr__(self) -> str:
        return f"Sql({self.name!r})"


def _register(statement: Sql) -> None:
    known = REGISTRY.get(statement.name)
    if known is not None and known is not statement and not _same(known, statement):
        raise ValueError(f"two statements are named {statement.name!r}")
    REGISTRY[statement.name] = statement


def _same(one: Sql, other: Sql) -> bool:
    return (
        type(one) is type(other)
        and isinstance(one._source, str)
        and one._source == other._source
        and one._models == other._models
        and one.constants == other.constants
    )


@dataclass(frozen=True)
class Family:
    """Statements built at run time from a few arguments (an IN list's length): `build`
    (cached) makes each variant, which registers itself; `examples` are argument tuples whose
    variants stand for all (a callable when they are known only once Tortoise is
    initialised)."""

    name: str
    build: Callable[..., Sql]
    examples: Iterable[tuple[Any, ...]] | Callable[[], Iterable[tuple[Any, ...]]]

    def representatives(self) -> list[Sql]:
        examples = self.examples() if callable(self.examples) else self.examples
        built = [self.build(*arguments) for arguments in examples]
        for statement in built:  # a cached variant registered itself when first built
            _register(statement)
        return built


FAMILIES: dict[str, Family] = {}


def family(
    name: str, examples: Iterable[tuple[Any, ...]] | Callable[[], Iterable[tuple[Any, ...]]]
) -> Callable[[F], F]:
    """Decorator: a cached builder of statement variants, registered as the family `name`
    with the variants that `examples` build. The builder names each variant
    `name[arguments]`."""

    def decorate(build: F) -> F:
        cached = functools.cache(build)
        FAMILIES[name] = Family(name, cached, examples)
        return cached  # type: ignore[return-value]  # functools.cache keeps the signature

    return decorate


def sizes(*counts: int) -> tuple[tuple[int], ...]:
    """Examples of a family built per IN-list size: `sizes(1, 3)`."""
    return tuple((count,) for count in counts)


def registered() -> list[Sql]:
    """Every registered statement, with the representatives of every family (built here).
    Call it once Tortoise is initialised."""
    for each in list(FAMILIES.values()):
        each.representatives()
    return list(REGISTRY.values())


async def fetch(sql: Sql, **params: Any) -> list[dict[str, Any]]:
    """The rows of a SELECT (or of an INSERT/UPDATE ... RETURNING), as dicts."""
    db = _connection()
    text, values = sql.bind(db, params)
    return await db.execute_query_dict(text, values)


async def fetch_rows(sql: Sql, **params: Any) -> list[Sequence[Any]]:
    """The rows of a SELECT as positional records (no dict per row: the hot catalog reads)."""
    db = _connection()
    text, values = sql.bind(db, params)
    _, rows = await db.execute_query(text, values)
    return rows  # type: ignore[return-value]  # asyncpg Records and sqlite3 Rows index alike


async def fetch_one(sql: Sql, **params: Any) -> dict[str, Any] | None:
    rows = await fetch(sql, **params)
    return rows[0] if rows else None


async def execute(sql: Sql, **params: Any) -> int:
    """Run an INSERT, UPDATE or DELETE without RETURNING; the number of rows it touched."""
    db = _connection()
    text, values = sql.bind(db, params)
    count, _ = await db.execute_query(text, values)
    return count


async def stream(sql: Sql, batch: int, **params: Any) -> AsyncIterator[tuple[Any, ...]]:
    """Every row of a SELECT as tuples, fetched `batch` at a time: a server-side cursor on
    PostgreSQL, `fetchmany` on SQLite, so memory stays flat however many rows there are."""
    db = _connection()
    text, values = sql.bind(db, params)
    async with db.acquire_connection() as raw:
        if is_postgres(db):
            async with raw.transaction():
                async for record in raw.cursor(text, *values, prefetch=batch):
                    yield tuple(record.values())
            return
        async with raw.execute(text, values) as cursor:
            while rows := await cursor.fetchmany(batch):
                for row in rows:
                    yield tuple(row)


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


class Insert(Sql):
    """An INSERT generated from `model`'s metadata: every column, each bound from a model
    instance (`params`), so Python-side defaults are written and a new field is written
    without an edit here.

    `rows` rows of VALUES, or, with `select` (`FROM ... WHERE ...`), one `INSERT ... SELECT`.
    `values` replaces the bound value of a column by an SQL expression (a sub-select, a sum);
    an expression or `select` may be a function of the dialect, as a statement's text.
    A generated key is left to the database unless `with_key` (a caller-given key: natural
    keys such as a member id). `tail` follows the statement (`ON CONFLICT ...`, `RETURNING`).
    """

    __slots__ = ("_bound", "model", "rows", "select", "tail", "values", "with_key")

    def __init__(
        self,
        name: str,
        model: type[Model],
        *,
        rows: int = 1,
        with_key: bool = False,
        values: Mapping[str, Source] | None = None,
        select: Source | None = None,
        tail: str = "",
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.rows = rows
        self.with_key = with_key
        self.values = dict(values or {})
        self.select = select
        self.tail = tail
        self._bound: tuple[str, ...] | None = None
        super().__init__(name, self._generate, constants=constants)

    @property
    def bound_fields(self) -> tuple[str, ...]:
        """The model fields whose values are bound (every written column without an
        expression), known once Tortoise is initialised."""
        if self._bound is None:
            meta = self.model._meta
            self._bound = tuple(
                field
                for field, column in meta.fields_db_projection.items()
                if not (field == meta.pk_attr and meta.pk.generated and not self.with_key)
                and column not in self.values
            )
        return self._bound

    def _generate(self, postgres: bool) -> str:
        meta = self.model._meta
        written = [
            (field, column)
            for field, column in meta.fields_db_projection.items()
            if not (field == meta.pk_attr and meta.pk.generated and not self.with_key)
        ]
        unknown = set(self.values) - {column for _, column in written}
        if unknown:
            raise ValueError(f"{self.name}: no written column {sorted(unknown)}")
        names = ", ".join(f'"{column}"' for _, column in written)

        def value(field: str, column: str, index: int) -> str:
            expression = self.values.get(column)
            if expression is None:
                return f":{field}_{index}"
            return expression(postgres) if callable(expression) else expression

        def row(index: int) -> str:
            return ", ".join(value(field, column, index) for field, column in written)

        if self.select is not None:
            select = self.select(postgres) if callable(self.select) else self.select
            body = f"SELECT {row(0)} {select}"
        else:
            body = "VALUES " + ", ".join(f"({row(index)})" for index in range(self.rows))
        return f'INSERT INTO "{meta.db_table}" ({names}) {body} {self.tail}'

    def params(self, instances: Sequence[Model] | None = None) -> dict[str, Any]:
        """The bound values of `instances` (one per row), as Tortoise would write them; for an
        `INSERT ... SELECT` without an instance, a new instance's defaults."""
        fields = self.bound_fields
        if not fields:
            return {}
        if instances is None:
            instances = [self.model()]
        fields_map = self.model._meta.fields_map
        return {
            f"{name}_{row}": fields_map[name].to_db_value(getattr(instance, name), instance)
            for row, instance in enumerate(instances)
            for name in fields
        }


_INSERT_SHAPES: tuple[tuple[int, bool], ...] = ((1, False), (1, True), (2, False))


@family(
    "insert",
    lambda: [(model, rows, with_key) for model in _models() for rows, with_key in _INSERT_SHAPES],
)
def insert_statement(model: type[Model], rows: int, with_key: bool) -> Insert:
    """The plain INSERT of `rows` new instances of `model` (cached per model and shape):
    a generated key is returned unless the caller gave the key."""
    meta = model._meta
    returning = meta.pk.generated and not with_key and rows == 1
    return Insert(
        f"insert.{meta.db_table}[rows={rows},key={with_key}]",
        model,
        rows=rows,
        with_key=with_key,
        tail=f'RETURNING "{meta.db_pk_column}"' if returning else "",
    )


def _models() -> list[type[Model]]:
    """Every model of the app (for the insert family's examples)."""
    import importlib

    from domain.db import MODEL_MODULES

    found: list[type[Model]] = []
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        found.extend(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Model)
            and value is not Model
            and value.__module__ == name
            and not value._meta.abstract
        )
    return found


def _with_key(instance: Model) -> bool:
    """A generated key the caller set anyway (a natural key: a member's id) is written."""
    return not instance._meta.pk.generated or instance.pk is not None


async def insert(instance: Model) -> None:
    """Write a new model instance in one statement and give it its generated key (a key the
    caller set is kept): what `Model.create` does, without building the statement each time."""
    with_key = _with_key(instance)
    statement = insert_statement(type(instance), 1, with_key)
    rows = await fetch(statement, **statement.params([instance]))
    meta = instance._meta
    if not with_key:
        instance.pk = rows[0][meta.db_pk_column]
    instance._saved_in_db = True


async def insert_many(instances: Sequence[Model]) -> None:
    """Write new instances of one model in one statement. Their generated keys are not read
    back (as with Tortoise's `bulk_create`); keys the caller set are written."""
    if instances:
        with_key = _with_key(instances[0])
        statement = insert_statement(type(instances[0]), len(instances), with_key)
        await execute(statement, **statement.params(instances))


def python_value(model: type[Model], field: str, value: Any) -> Any:
    """A column read without its model, converted as Tortoise would (SQLite's text datetimes)."""
    return model._meta.fields_map[field].to_python_value(value)
