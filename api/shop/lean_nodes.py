"""Plain slotted views of the storefront's catalog nodes, built from domain/catalog/reads.py rows.

Why: a strawberry node is a dataclass built with keyword arguments and every derived value
(global IDs, `Money` with its formatted text) computed up front; a page of 20 products builds
~400 of them. These views take the row's values positionally and compute a derived value only
when the client selects it (a property read by api/graphql/lean.py's compiled plan or by
strawberry's attribute resolver alike). Each stands in for the strawberry type named in its
docstring: the same attribute names, the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from api.graphql.ids import to_global_id
from domain.catalog import reads
from domain.money import CURRENCY, format_fen, share


class MoneyView(int):
    """Stands in for `Money`: the amount in fen is the int itself, so making one runs no Python
    code (a page makes ~100)."""

    __slots__ = ()
    currency = CURRENCY
    fen = property(int)
    formatted = property(format_fen)


class SpecView(tuple[str, str]):
    """Stands in for `SpecValue`: a (name, value) item of a SKU's specs."""

    __slots__ = ()
    name = property(itemgetter(0))
    value = property(itemgetter(1))


class CategoryView:
    """Stands in for `CategoryNode`."""

    __slots__ = ("children", "name", "parent_pk", "pk")

    def __init__(
        self, pk: int, name: str, parent_pk: int | None, children: list[CategoryView] | None = None
    ) -> None:
        self.pk = pk
        self.name = name
        self.parent_pk = parent_pk
        self.children = children if children is not None else []

    @property
    def id(self) -> str:
        return to_global_id("Category", self.pk)

    @property
    def parent_id(self) -> str | None:
        return to_global_id("Category", self.parent_pk) if self.parent_pk else None


class SkuView(tuple[Any, ...]):
    """Stands in for `SkuNode`: a SKU row (reads.S_ positions) followed by the viewer's share of
    the price. A tuple with item getters, so a page's ~40 are made and read without running
    Python code per attribute."""

    __slots__ = ()
    pk = property(itemgetter(reads.S_ID))
    code = property(itemgetter(reads.S_CODE))
    spec_map = property(itemgetter(reads.S_SPECS))
    price_fen = property(itemgetter(reads.S_PRICE))
    list_price_fen = property(itemgetter(reads.S_LIST_PRICE))
    stock = property(itemgetter(reads.S_STOCK))
    keep_bp = property(itemgetter(-1))

    @property
    def id(self) -> str:
        return to_global_id("Sku", self[reads.S_ID])

    @property
    def specs(self) -> list[SpecView]:
        return list(map(SpecView, self[reads.S_SPECS].items()))

    @property
    def price(self) -> MoneyView:
        return MoneyView(self[reads.S_PRICE])

    @property
    def list_price(self) -> MoneyView | None:
        fen = self[reads.S_LIST_PRICE]
        return None if fen is None else MoneyView(fen)

    @property
    def member_price(self) -> MoneyView:
        return MoneyView(share(self[reads.S_PRICE], self[-1]))

    @property
    def in_stock(self) -> bool:
        return self[reads.S_STOCK] > 0  # type: ignore[no-any-return]


class ProductView:
    """Stands in for `ProductNode`: a product row (reads.P_ positions) with its SKUs."""

    __slots__ = ("keep_bp", "row", "skus")

    def __init__(self, row: Sequence[Any], skus: list[SkuView], keep_bp: int) -> None:
        self.row = row
        self.skus = skus
        self.keep_bp = keep_bp

    @property
    def id(self) -> str:
        return to_global_id("Product", self.row[reads.P_ID])

    @property
    def title(self) -> str:
        return self.row[reads.P_TITLE]  # type: ignore[no-any-return]

    @property
    def description(self) -> str:
        return self.row[reads.P_DESCRIPTION]  # type: ignore[no-any-return]

    @property
    def images(self) -> list[str]:
        return self.row[reads.P_IMAGES]  # type: ignore[no-any-return]

    @property
    def sales_count(self) -> int:
        return self.row[reads.P_SALES]  # type: ignore[no-any-return]

    @property
    def price(self) -> MoneyView:
        return MoneyView(self.row[reads.P_MIN_PRICE])

    @property
    def member_price(self) -> MoneyView:
        return MoneyView(share(self.row[reads.P_MIN_PRICE], self.keep_bp))

    @property
    def category(self) -> CategoryView:
        row = self.row
        return CategoryView(row[reads.C_ID], row[reads.C_NAME], row[reads.C_PARENT])


def product_views(
    rows: Sequence[Sequence[Any]], skus: dict[int, list[Sequence[Any]]], keep_bp: int
) -> list[ProductView]:
    return [
        ProductView(
            row, [SkuView((*sku, keep_bp)) for sku in skus.get(row[reads.P_ID], ())], keep_bp
        )
        for row in rows
    ]
