"""domain.sql: hand-written statements render the same text for both dialects, bind values as
Tortoise stores them, and read rows back into models exactly as the ORM would; every registered
statement is checked on the migrated schema of both databases (issue 11).

How statements that vary at run time are checked: a `sql.family` (IN lists of any length, the
audience upsert of a batch) is checked through the variants it registers as examples (sizes 1
and 3: the text differs only in the number of placeholders); report statements are built for
every combination of their filters' shape at import (distribution/reports/run.py `Report`),
so every variant, with its page and export statements, is in the registry and checked."""

import importlib
import pkgutil
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.migrations.api import migrate

from distribution.models import MemberCohortValue
from distribution.reports import cohorts, commission, funnel, guides, posters, promoters, stores
from domain import sql
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.db import MODEL_MODULES, tortoise_config
from domain.sql import Sql
from loyalty.audience.models import Lifecycle, MemberAudience, ValueLevel

ROOT = Path(__file__).resolve().parents[2]
STATEMENT_PACKAGES = ("domain", "distribution", "loyalty", "api")
QUOTED = re.compile(r"'((?:[^']|'')*)'")

MOMENT = datetime(2026, 11, 22, 8, 30, 15, 123456, tzinfo=UTC)


def test_named_parameters_become_numbered_placeholders_once_per_name() -> None:
    statement = Sql(
        "test.render", "SELECT a FROM t WHERE b = :b AND c >= :c AND (d = :b OR e::text = :e)"
    )

    assert statement.render(True) == (
        "SELECT a FROM t WHERE b = $1 AND c >= $2 AND (d = $1 OR e::text = $3)",
        ("b", "c", "e"),
    )
    assert statement.render(False) == (
        "SELECT a FROM t WHERE b = ?1 AND c >= ?2 AND (d = ?1 OR e::text = ?3)",
        ("b", "c", "e"),
    )


def test_whitespace_is_collapsed_and_in_lists_are_numbered() -> None:
    statement = Sql("test.in", f"SELECT 1\n  FROM t WHERE id IN ({sql.placeholders('id', 3)})")  # noqa: S608

    assert statement.render(True)[0] == "SELECT 1 FROM t WHERE id IN ($1, $2, $3)"
    assert sql.numbered("id", [7, 8, 9]) == {"id_0": 7, "id_1": 8, "id_2": 9}


@pytest.fixture(autouse=True)
def _registry_restored() -> AsyncIterator[None]:
    """Statements a test makes leave the registry as it was."""
    before = dict(sql.REGISTRY)
    yield
    sql.REGISTRY.clear()
    sql.REGISTRY.update(before)


async def _product(title: str = "面霜") -> Product:
    category = await Category.create(name="护肤", created_at=MOMENT)
    return await Product.create(
        title=title,
        category=category,
        images=["https://img.example.com/a.jpg"],
        status=ProductStatus.ON_SALE,
        created_at=MOMENT,
        updated_at=MOMENT,
    )


async def test_insert_gives_the_key_and_writes_what_the_orm_reads_back(db) -> None:
    product = await _product()
    sku = Sku(
        product=product,
        code="FACE-50",
        specs={"容量": "50ml"},
        price_fen=12_900,
        stock=7,
        created_at=MOMENT,
    )

    await sql.insert(sku)

    stored = await Sku.get(id=sku.id)
    assert (stored.code, stored.specs, stored.price_fen, stored.stock) == (
        "FACE-50",
        {"容量": "50ml"},
        12_900,
        7,
    )
    assert (stored.list_price_fen, stored.created_at, stored.product_id) == (
        None,
        MOMENT,
        product.id,
    )
    assert await Sku.all().count() == 1


async def test_insert_many_writes_every_row_in_one_statement(db) -> None:
    product = await _product()
    skus = [
        Sku(product=product, code=f"S-{n}", price_fen=100 * n, stock=n, created_at=MOMENT)
        for n in (1, 2, 3)
    ]

    await sql.insert_many(skus)

    stored = await Sku.all().order_by("code").values_list("code", "price_fen", "stock")
    assert stored == [("S-1", 100, 1), ("S-2", 200, 2), ("S-3", 300, 3)]


async def test_rows_read_back_as_models_with_their_aliases(db) -> None:
    product = await _product("精华")
    await Sku.create(
        product=product, code="ESS", specs={"色": "白"}, price_fen=99, stock=3, created_at=MOMENT
    )
    statement = Sql(
        "test.aliases",
        "SELECT {s}, {p} FROM sku s JOIN product p ON p.id = s.product_id WHERE s.code = :code",
        s=Sku,
        p=Product,
    )

    row = await sql.fetch_one(statement, code="ESS")

    sku, joined = sql.as_model(Sku, row, "s"), sql.as_model(Product, row, "p")
    assert (sku.code, sku.specs, sku.stock, sku.created_at) == ("ESS", {"色": "白"}, 3, MOMENT)
    assert (joined.id, joined.title, joined.status) == (product.id, "精华", ProductStatus.ON_SALE)
    assert (joined.images, joined.commission_enabled) == (["https://img.example.com/a.jpg"], True)
    assert await sql.fetch_one(statement, code="NONE") is None


async def test_datetimes_and_enums_bind_as_the_orm_stores_them(db) -> None:
    product = await _product()
    later = Sql(
        "test.later", "SELECT id FROM product WHERE created_at < :moment AND status = :status"
    )

    assert await sql.fetch(later, moment=MOMENT + timedelta(microseconds=1), status="ON_SALE")
    assert await sql.fetch(later, moment=MOMENT, status=ProductStatus.ON_SALE) == []
    found = await sql.fetch(later, moment=MOMENT + timedelta(days=1), status=ProductStatus.ON_SALE)
    assert found == [{"id": product.id}]


async def test_execute_counts_the_rows_a_guarded_update_touched(db) -> None:
    product = await _product()
    await Sku.create(product=product, code="G", price_fen=1, stock=2, created_at=MOMENT)
    take = Sql("test.take", "UPDATE sku SET stock = stock - :n WHERE code = :code AND stock >= :n")

    assert await sql.execute(take, n=2, code="G") == 1
    assert await sql.execute(take, n=1, code="G") == 0
    assert await Sku.get(code="G").values_list("stock", flat=True) == 0


async def test_a_missing_parameter_is_refused_before_anything_runs(db) -> None:
    product = await _product()
    await Sku.create(product=product, code="KEEP", price_fen=1, stock=2, created_at=MOMENT)
    empty = Sql("test.empty", "UPDATE sku SET stock = 0 WHERE stock > :floor OR code = :code")

    with pytest.raises(KeyError, match="code"):
        await sql.execute(empty, floor=0)

    assert await Sku.get(code="KEEP").values_list("stock", flat=True) == 2


def test_a_second_statement_with_a_taken_name_is_refused() -> None:
    Sql("test.once", "SELECT 1")
    Sql("test.once", "SELECT 1")  # the same statement again (a module reloaded) is fine

    with pytest.raises(ValueError, match=r"test\.once"):
        Sql("test.once", "SELECT 2")


async def test_insert_keeps_a_key_the_caller_gives_to_a_natural_key_model(db) -> None:
    await sql.insert(MemberCohortValue(member_id=4242, paid_30d_fen=500, paid_90d_fen=700))
    await sql.insert_many(
        [MemberCohortValue(member_id=4243), MemberCohortValue(member_id=4244, paid_180d_fen=9)]
    )

    rows = (
        await MemberCohortValue.all()
        .order_by("member_id")
        .values_list("member_id", "paid_30d_fen", "paid_90d_fen", "paid_180d_fen")
    )
    assert rows == [(4242, 500, 700, 0), (4243, 0, 0, 0), (4244, 0, 0, 9)]


async def test_a_generated_insert_writes_every_column_with_the_models_defaults(db) -> None:
    upsert = sql.Insert(
        "test.audience",
        MemberAudience,
        rows=2,
        with_key=True,
        tail="ON CONFLICT (member_id) DO UPDATE SET refreshed_at = excluded.refreshed_at",
    )
    rows = [MemberAudience(member_id=m, refreshed_at=MOMENT) for m in (7, 8)]

    await sql.execute(upsert, **upsert.params(rows))
    await sql.execute(upsert, **upsert.params(rows))  # the upsert: still two rows

    written = re.search(r"\((.*?)\) VALUES", upsert.text(False)).group(1)
    assert sorted(written.replace('"', "").split(", ")) == sorted(MemberAudience._meta.db_fields)
    stored = await MemberAudience.all().order_by("member_id")
    assert [(a.member_id, a.paid_orders, a.spend_fen, a.last_paid_at) for a in stored] == [
        (7, 0, 0, None),
        (8, 0, 0, None),
    ]
    assert {(a.lifecycle, a.value, a.koc_candidate, a.refreshed_at) for a in stored} == {
        (Lifecycle.NEW, ValueLevel.LOW, False, MOMENT)
    }


def _import_every_module() -> list[str]:
    """Every module of the packages that may define statements (a statement registers itself
    when its module is imported)."""
    names = []
    for package in STATEMENT_PACKAGES:
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            importlib.import_module(module.name)
            names.append(module.name)
    return names


@pytest.fixture
async def migrated(backend: str, tmp_path: Path, request) -> AsyncIterator[BaseDBAsyncClient]:
    """A connection to a database built by the migrations: PostgreSQL's test database is
    (conftest); on SQLite a fresh file is migrated here."""
    if backend == "postgres":
        url = request.getfixturevalue("postgres_database_url")
    else:
        url = f"sqlite://{tmp_path}/migrated.db"
        await migrate(config=tortoise_config(url))
        await Tortoise.close_connections()
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        yield context.db()


async def _prepare(db: BaseDBAsyncClient, statement: Sql) -> None:
    """Compile `statement` without running it: PostgreSQL prepares it (parse analysis checks
    every table, column and type, as a run would), SQLite compiles it under EXPLAIN."""
    postgres = sql.is_postgres(db)
    text, names = statement.render(postgres)
    if postgres:
        async with db.acquire_connection() as connection:
            await connection.prepare(text)
    else:
        await db.execute_query(f"EXPLAIN {text}", [None] * len(names))


async def test_every_registered_statement_compiles_on_the_migrated_schema(migrated) -> None:
    modules = _import_every_module()
    statements = sql.registered()
    failures = []
    for statement in statements:
        try:
            await _prepare(migrated, statement)
        except Exception as error:  # every failure is listed, not only the first
            failures.append(f"{statement.name}: {error}")

    assert failures == []
    assert "domain.sql" in modules and "distribution.reports.rollups" in modules
    names = {statement.name for statement in statements}
    expected = {
        "checkout.skus[1]",
        "checkout.skus[3]",
        "audience.lock[3]",
        "stock.take",
        "rollups.commission_day.rebuild",
        "rollups.cohort_value.add",
        "reports.entries[by_store=True]",
        "insert.order[rows=1,key=False]",
        "insert.member_cohort_value[rows=1,key=True]",
    }
    assert expected <= names
    for report in (commission, cohorts, funnel, guides, posters, promoters, stores):
        for variant in report.REPORT.variants.values():
            assert {variant.grouped.name, variant.page.name, variant.rows.name} <= names
    assert len(commission.REPORT.variants) == 3 * 4 * 2


async def test_the_check_fails_a_statement_naming_a_column_the_schema_lacks(migrated) -> None:
    renamed = Sql("test.renamed", "UPDATE sku SET stock = stock - :n WHERE sku_code = :code")

    with pytest.raises(Exception, match="sku_code"):
        await _prepare(migrated, renamed)


def _model_enum_values() -> set[str]:
    values: set[str] = set()
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        for model in vars(module).values():
            if isinstance(model, type) and hasattr(model, "_meta"):
                for field in model._meta.fields_map.values():
                    if isinstance(field, CharEnumFieldInstance | IntEnumFieldInstance):
                        enum: type[Enum] = field.enum_type
                        values.update(str(member.value) for member in enum)
    return values


def _enum_literals(text: str, enum_values: set[str]) -> list[str]:
    return [literal for literal in QUOTED.findall(text) if literal in enum_values]


async def test_no_registered_statement_writes_an_enum_value_into_its_text(db) -> None:
    _import_every_module()
    enum_values = _model_enum_values()
    assert {"PENDING_PAYMENT", "ACCRUE", "STORE", "GUIDE", "ACTIVE"} <= enum_values
    assert _enum_literals("WHERE a.kind = 'ACCRUE' AND b = 'x'", enum_values) == ["ACCRUE"]

    found = {
        statement.name: literals
        for statement in sql.registered()
        for postgres in (False, True)
        if (literals := _enum_literals(statement.text(postgres), enum_values))
    }

    assert found == {}
