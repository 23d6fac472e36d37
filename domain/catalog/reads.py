"""The storefront's hot catalog reads as hand-written statements, read into plain rows.

Why: browsing is most of a mall's traffic, and building each page through Tortoise (a query
built and rendered per request, every row turned into a model, `description` read for a list
that does not show it) was ~28 % of a page's CPU (issue 18). These statements select only the
columns the storefront shows, are rendered once per dialect (domain/sql.py) and come back as
tuples that the API reads by position.

What the storefront may show is what `domain.catalog.queries.storefront_products` says (ON_SALE
products, a top-level category including its children, the keyword in the title whatever its
case); tests/api/test_lean_catalog.py compares both on the demo catalog.

IN lists are one statement for any length: an array on PostgreSQL (`= ANY`), JSON text read
by `json_each` on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from domain import sql
from domain.catalog.models import Product, ProductStatus, Sku
from domain.catalog.queries import MAX_KEYWORD, ProductFilter
from domain.sql import Sql
from domain.validation import search_text

ON_SALE = {"on_sale": ProductStatus.ON_SALE}

# Sort keys of a product page: column and direction, then the primary key the same way.
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "created_at": ("created_at", True),
    "min_price_fen": ("min_price_fen", False),
    "min_price_fen desc": ("min_price_fen", True),
    "sales_count": ("sales_count", True),
}

# Column positions of a product row (`_PRODUCT_COLUMNS`, then the description when read).
(
    P_ID,
    P_TITLE,
    P_IMAGES,
    P_MIN_PRICE,
    P_SALES,
    P_CREATED,
    C_ID,
    C_NAME,
    C_PARENT,
    P_DESCRIPTION,
) = range(10)
_PRODUCT_COLUMNS = (
    "p.id, p.title, p.images, p.min_price_fen, p.sales_count, p.created_at,"
    " c.id, c.name, c.parent_id"
)


def _id_list(column: str, name: str) -> Any:
    def text(postgres: bool) -> str:
        if postgres:
            return f"{column} = ANY(:{name}::bigint[])"
        return f"{column} IN (SELECT value FROM json_each(:{name}))"  # noqa: S608 (names, not values)

    return text


@sql.family(
    "catalog.product_page",
    lambda: [
        (key, *flags)
        for key in SORT_KEYS
        for flags in ((False,) * 6, (True,) * 6, (True, False, True, False, True, False))
    ],
)
def page_statement(
    sort_key: str,
    category: bool,
    keyword: bool,
    min_price: bool,
    max_price: bool,
    after: bool,
    description: bool,
) -> Sql:
    """The page query for one shape of filter (cached per shape): `:limit` rows in the sort's
    order, strictly after (`:after_key`, `:after_id`) when `after`."""
    column, descending = SORT_KEYS[sort_key]
    conditions = ["p.status = :on_sale"]
    if category:
        conditions.append("(p.category_id = :category_id OR c.parent_id = :category_id)")
    if keyword:
        conditions.append("UPPER(p.title) LIKE UPPER(:pattern) ESCAPE '\\'")
    if min_price:
        conditions.append("p.min_price_fen >= :min_price_fen")
    if max_price:
        conditions.append("p.min_price_fen <= :max_price_fen")
    if after:
        op = "<" if descending else ">"
        conditions.append(
            f"(p.{column} {op} :after_key OR (p.{column} = :after_key AND p.id {op} :after_id))"
        )
    direction = " DESC" if descending else ""
    shape = ",".join(
        name
        for name, on in zip(
            ("category", "keyword", "min", "max", "after", "description"),
            (category, keyword, min_price, max_price, after, description),
            strict=True,
        )
        if on
    )
    return Sql(
        f"catalog.product_page[{sort_key};{shape}]",
        f"SELECT {_PRODUCT_COLUMNS}{', p.description' if description else ''}"  # noqa: S608 (constants only)
        " FROM product p JOIN category c ON c.id = p.category_id"
        f" WHERE {' AND '.join(conditions)}"
        f" ORDER BY p.{column}{direction}, p.id{direction} LIMIT :limit",
        constants=ON_SALE,
    )


_PRODUCT = Sql(
    "catalog.product_on_sale",
    f"SELECT {_PRODUCT_COLUMNS}, p.description"  # noqa: S608
    " FROM product p JOIN category c ON c.id = p.category_id"
    " WHERE p.id = :id AND p.status = :on_sale",
    constants=ON_SALE,
)

# Column positions of a SKU row.
S_ID, S_PRODUCT, S_CODE, S_SPECS, S_PRICE, S_LIST_PRICE, S_STOCK = range(7)
_SKUS = Sql(
    "catalog.skus_of_products",
    lambda postgres: (
        "SELECT id, product_id, code, specs, price_fen, list_price_fen, stock"  # noqa: S608
        f" FROM sku WHERE {_id_list('product_id', 'ids')(postgres)} ORDER BY id"
    ),
)

# Column positions of a category row.
CAT_ID, CAT_NAME, CAT_PARENT = range(3)
_CATEGORIES = Sql(
    "catalog.category_tree", "SELECT id, name, parent_id FROM category ORDER BY sort_order, id"
)


def like_pattern(keyword: str) -> str:
    """`%keyword%` with LIKE's wildcards and the escape character taken literally."""
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class PageRequest:
    """One page of products: the filter, the sort key (a `SORT_KEYS` key), the keyset
    position after which it starts (sort value, id), and how many rows to read."""

    criteria: ProductFilter
    sort_key: str
    after: tuple[Any, int] | None
    limit: int
    description: bool = False


async def product_rows(page: PageRequest) -> list[Sequence[Any]]:
    """The page's product rows (see the P_/C_ positions), converted as the ORM reads them."""
    criteria = page.criteria
    keyword = search_text(criteria.keyword, "filter.keyword", MAX_KEYWORD)
    statement = page_statement(
        page.sort_key,
        criteria.category_id is not None,
        keyword is not None,
        criteria.min_price_fen is not None,
        criteria.max_price_fen is not None,
        page.after is not None,
        page.description,
    )
    params: dict[str, Any] = {"limit": page.limit}
    if criteria.category_id is not None:
        params["category_id"] = criteria.category_id
    if keyword is not None:
        params["pattern"] = like_pattern(keyword)
    if criteria.min_price_fen is not None:
        params["min_price_fen"] = criteria.min_price_fen
    if criteria.max_price_fen is not None:
        params["max_price_fen"] = criteria.max_price_fen
    if page.after is not None:
        params["after_key"], params["after_id"] = page.after
    return _converted(await sql.fetch_rows(statement, **params))


async def product_row(product_id: int) -> Sequence[Any] | None:
    """One product on sale with its description, or None."""
    rows = _converted(await sql.fetch_rows(_PRODUCT, id=product_id))
    return rows[0] if rows else None


_IMAGES = Product._meta.fields_map["images"]
_CREATED = Product._meta.fields_map["created_at"]
_SPECS = Sku._meta.fields_map["specs"]


def _converted(rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """JSON and datetime columns as Tortoise reads them (SQLite gives text)."""
    converted: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        values[P_IMAGES] = _IMAGES.to_python_value(values[P_IMAGES])
        values[P_CREATED] = _CREATED.to_python_value(values[P_CREATED])
        converted.append(values)
    return converted


async def sku_rows(product_ids: Sequence[int]) -> dict[int, list[Sequence[Any]]]:
    """The SKUs of the products by product id, each list in id order (see the S_ positions)."""
    grouped: dict[int, list[Sequence[Any]]] = {}
    if not product_ids:
        return grouped
    for row in await sql.fetch_rows(_SKUS, ids=list(product_ids)):
        values = list(row)
        values[S_SPECS] = _SPECS.to_python_value(values[S_SPECS])
        grouped.setdefault(values[S_PRODUCT], []).append(values)
    return grouped


async def category_rows() -> list[Sequence[Any]]:
    """Every category in display order (see the CAT_ positions)."""
    return list(await sql.fetch_rows(_CATEGORIES))
