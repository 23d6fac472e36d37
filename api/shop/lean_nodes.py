"""Plain slotted views of the storefront's catalog nodes, built from domain/catalog/reads.py rows.

Why: a strawberry node is a dataclass built with keyword arguments and every derived value
(global IDs, `Money` with its formatted text) computed up front; a page of 20 products builds
~400 of them. These views take the row's values positionally and compute a derived value only
when the client selects it. Each stands in for the strawberry type it is registered for: the
same attribute names, the same values.

Derived attributes are `lean.Derived` expressions rather than methods: strawberry's resolvers
read them as properties, and api/graphql/lean.py's plans inline them, so a page's products,
SKUs, prices and specs are completed without a Python call per attribute or per small object:
a 20-product page's completion took 190 µs through the properties and 125 µs inlined, about
the 95 µs of bench/bare_storefront.py building the same dicts by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from api.graphql.ids import to_global_id
from api.graphql.lean import Derived, stands_in_for
from domain.catalog import reads
from domain.money import CURRENCY, format_fen, share

_GID = {"_gid": to_global_id}


@stands_in_for("Money")
class MoneyView(int):
    """Stands in for `Money`: the amount in fen is the int itself, so making one runs no Python
    code (a page makes ~100)."""

    __slots__ = ()
    currency = CURRENCY
    fen = Derived("int(self)")
    formatted = Derived("_format_fen(self)", {"_format_fen": format_fen})


@stands_in_for("SpecValue")
class SpecView(tuple[str, str]):
    """Stands in for `SpecValue`: a (name, value) item of a SKU's specs."""

    __slots__ = ()
    name = Derived("self[0]")
    value = Derived("self[1]")


@stands_in_for("Category")
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

    id = Derived("_gid('Category', self.pk)", _GID)
    parent_id = Derived("_gid('Category', self.parent_pk) if self.parent_pk else None", _GID)


@stands_in_for("Category")
class ProductCategoryView(tuple[Any, ...]):
    """Stands in for `CategoryNode`: a product's category, read from the product's row
    (reads.C_ positions); like CategoryView, without its children."""

    __slots__ = ()
    pk = property(itemgetter(reads.C_ID))
    parent_pk = property(itemgetter(reads.C_PARENT))
    id = Derived(f"_gid('Category', self[{reads.C_ID}])", _GID)
    name = Derived(f"self[{reads.C_NAME}]")
    parent_id = Derived(
        f"_gid('Category', self[{reads.C_PARENT}]) if self[{reads.C_PARENT}] else None", _GID
    )
    children = Derived("()", view=CategoryView, many=True)


@stands_in_for("Sku")
class SkuView(tuple[Any, ...]):
    """Stands in for `SkuNode`: a SKU row (reads.S_ positions) followed by the viewer's share of
    the price. A tuple, so a page's ~40 are made and read without running Python code per
    attribute."""

    __slots__ = ()
    pk = property(itemgetter(reads.S_ID))
    code = Derived(f"self[{reads.S_CODE}]")
    spec_map = property(itemgetter(reads.S_SPECS))
    price_fen = property(itemgetter(reads.S_PRICE))
    list_price_fen = property(itemgetter(reads.S_LIST_PRICE))
    stock = Derived(f"self[{reads.S_STOCK}]")
    keep_bp = property(itemgetter(-1))

    id = Derived(f"_gid('Sku', self[{reads.S_ID}])", _GID)
    specs = Derived(f"self[{reads.S_SPECS}].items()", view=SpecView, many=True)
    price = Derived(f"self[{reads.S_PRICE}]", view=MoneyView)

    @property
    def list_price(self) -> MoneyView | None:
        fen = self[reads.S_LIST_PRICE]
        return None if fen is None else MoneyView(fen)

    member_price = Derived(
        f"_share(self[{reads.S_PRICE}], self[-1])", {"_share": share}, view=MoneyView
    )
    in_stock = Derived(f"self[{reads.S_STOCK}] > 0")


@stands_in_for("Product")
class ProductView:
    """Stands in for `ProductNode`: a product row (reads.P_ positions) with its SKUs."""

    __slots__ = ("_skus", "keep_bp", "row")

    def __init__(self, row: Sequence[Any], skus: list[SkuView], keep_bp: int) -> None:
        self.row = row
        self._skus = skus
        self.keep_bp = keep_bp

    id = Derived(f"_gid('Product', self.row[{reads.P_ID}])", _GID)
    title = Derived(f"self.row[{reads.P_TITLE}]")
    description = Derived(f"self.row[{reads.P_DESCRIPTION}]")
    images = Derived(f"self.row[{reads.P_IMAGES}]")
    sales_count = Derived(f"self.row[{reads.P_SALES}]")
    price = Derived(f"self.row[{reads.P_MIN_PRICE}]", view=MoneyView)
    member_price = Derived(
        f"_share(self.row[{reads.P_MIN_PRICE}], self.keep_bp)", {"_share": share}, view=MoneyView
    )
    skus = Derived("self._skus", view=SkuView, many=True, made=True)

    category = Derived("self.row", view=ProductCategoryView)


def product_views(
    rows: Sequence[Sequence[Any]], skus: dict[int, list[Sequence[Any]]], keep_bp: int
) -> list[ProductView]:
    return [
        ProductView(
            row, [SkuView((*sku, keep_bp)) for sku in skus.get(row[reads.P_ID], ())], keep_bp
        )
        for row in rows
    ]
