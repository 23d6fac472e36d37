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
from typing import Any

from api.graphql.ids import to_global_id
from domain.catalog import reads
from domain.money import CURRENCY, format_fen, share


class MoneyView:
    """Stands in for `Money`."""

    __slots__ = ("fen",)
    currency = CURRENCY

    def __init__(self, fen: int) -> None:
        self.fen = fen

    @property
    def formatted(self) -> str:
        return format_fen(self.fen)


class SpecView:
    """Stands in for `SpecValue`."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value


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


class SkuView:
    """Stands in for `SkuNode`; `keep_bp` is the viewer's share of the price."""

    __slots__ = ("code", "keep_bp", "list_price_fen", "pk", "price_fen", "spec_map", "stock")

    def __init__(self, row: Sequence[Any], keep_bp: int) -> None:
        self.pk = row[reads.S_ID]
        self.code = row[reads.S_CODE]
        self.spec_map = row[reads.S_SPECS]
        self.price_fen = row[reads.S_PRICE]
        self.list_price_fen = row[reads.S_LIST_PRICE]
        self.stock = row[reads.S_STOCK]
        self.keep_bp = keep_bp

    @property
    def id(self) -> str:
        return to_global_id("Sku", self.pk)

    @property
    def specs(self) -> list[SpecView]:
        return [SpecView(k, v) for k, v in self.spec_map.items()]

    @property
    def price(self) -> MoneyView:
        return MoneyView(self.price_fen)

    @property
    def list_price(self) -> MoneyView | None:
        return None if self.list_price_fen is None else MoneyView(self.list_price_fen)

    @property
    def member_price(self) -> MoneyView:
        return MoneyView(share(self.price_fen, self.keep_bp))

    @property
    def in_stock(self) -> bool:
        return self.stock > 0  # type: ignore[no-any-return]


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
        ProductView(row, [SkuView(sku, keep_bp) for sku in skus.get(row[reads.P_ID], ())], keep_bp)
        for row in rows
    ]
