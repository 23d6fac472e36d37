"""domain.sql: hand-written statements render the same text for both dialects, bind values as
Tortoise stores them, and read rows back into models exactly as the ORM would."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import sql
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.sql import Sql

MOMENT = datetime(2026, 11, 22, 8, 30, 15, 123456, tzinfo=UTC)


def test_named_parameters_become_numbered_placeholders_once_per_name() -> None:
    statement = Sql("SELECT a FROM t WHERE b = :b AND c >= :c AND (d = :b OR e::text = :e)")

    assert statement.render(True) == (
        "SELECT a FROM t WHERE b = $1 AND c >= $2 AND (d = $1 OR e::text = $3)",
        ("b", "c", "e"),
    )
    assert statement.render(False) == (
        "SELECT a FROM t WHERE b = ?1 AND c >= ?2 AND (d = ?1 OR e::text = ?3)",
        ("b", "c", "e"),
    )


def test_whitespace_is_collapsed_and_in_lists_are_numbered() -> None:
    statement = Sql(f"SELECT 1\n    FROM t WHERE id IN ({sql.placeholders('id', 3)})")  # noqa: S608

    assert statement.render(True)[0] == "SELECT 1 FROM t WHERE id IN ($1, $2, $3)"
    assert sql.numbered("id", [7, 8, 9]) == {"id_0": 7, "id_1": 8, "id_2": 9}


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
    later = Sql("SELECT id FROM product WHERE created_at < :moment AND status = :status")

    assert await sql.fetch(later, moment=MOMENT + timedelta(microseconds=1), status="ON_SALE")
    assert await sql.fetch(later, moment=MOMENT, status=ProductStatus.ON_SALE) == []
    found = await sql.fetch(later, moment=MOMENT + timedelta(days=1), status=ProductStatus.ON_SALE)
    assert found == [{"id": product.id}]


async def test_execute_counts_the_rows_a_guarded_update_touched(db) -> None:
    product = await _product()
    await Sku.create(product=product, code="G", price_fen=1, stock=2, created_at=MOMENT)
    take = Sql("UPDATE sku SET stock = stock - :n WHERE code = :code AND stock >= :n")

    assert await sql.execute(take, n=2, code="G") == 1
    assert await sql.execute(take, n=1, code="G") == 0
    assert await Sku.get(code="G").values_list("stock", flat=True) == 0


async def test_a_missing_parameter_is_refused_before_anything_runs(db) -> None:
    product = await _product()
    await Sku.create(product=product, code="KEEP", price_fen=1, stock=2, created_at=MOMENT)
    empty = Sql("UPDATE sku SET stock = 0 WHERE stock > :floor OR code = :code")

    with pytest.raises(KeyError, match="code"):
        await sql.execute(empty, floor=0)

    assert await Sku.get(code="KEEP").values_list("stock", flat=True) == 2
