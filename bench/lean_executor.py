"""How to complete a storefront page fastest: measured, in process, without a database.

Issue 18 left the choice open: graphql-core's default resolver on plain attribute objects, or a
precompiled completion of plain subtrees (api/graphql/lean.py). This script completes the same
product page (the `products` root field answers a page built in memory) four ways:

- `strawberry`: today's nodes (strawberry dataclasses, `Money.of`) and strawberry's executor;
- `default`: plain objects with GraphQL-named attributes, the page's types' resolvers removed
  so graphql-core's default resolver reads them;
- `compiled`: plain slotted objects (api/shop/lean_nodes.py, as the lean read path builds them)
  completed by `LeanExecutionContext`;
- `compiled+strawberry`: today's nodes with `LeanExecutionContext`.

It prints CPU per page and the marginal CPU per product (the slope between two page sizes),
each the minimum over repeats (CPU time is what a busy machine inflates, never deflates).

Run `.venv/bin/python bench/lean_executor.py`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import strawberry  # noqa: E402
from graphql import execute, parse  # noqa: E402
from strawberry.schema.config import StrawberryConfig  # noqa: E402
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext  # noqa: E402

from api.graphql.ids import to_global_id  # noqa: E402
from api.graphql.lean import LeanExecutionContext  # noqa: E402
from api.graphql.relay import Connection, Edge, PageInfo  # noqa: E402
from api.graphql.scalars import SCALARS, Money  # noqa: E402
from api.shop import catalog, lean_nodes  # noqa: E402
from api.shop.schema import Mutation, Query  # noqa: E402
from bench.storefront import PRODUCT_PAGE  # noqa: E402
from domain.money import format_fen, share  # noqa: E402

KEEP_BP = 9_800
PLAIN_TYPES = ("ProductConnection", "ProductEdge", "PageInfo", "Product", "Sku", "SpecValue")


def rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "title": f"基准商品 {n:04d} 纯棉T恤",
            "images": [f"https://img.example.com/p/{n}/{i}.jpg" for i in range(2)],
            "price": 9_900 + n,
            "category": (n % 10 + 1, f"类目{n % 10 + 1:02d}"),
            "skus": [
                (n * 10 + v, f"BENCH-{n:04d}-{v}", {"颜色": "黑色", "尺码": "M"}, 9_900 + v, 17)
                for v in range(3)
            ],
        }
        for n in range(1, count + 1)
    ]


def strawberry_page(data: list[dict[str, Any]]) -> Any:
    edges = []
    for row in data:
        skus = [
            catalog.SkuNode(
                id=strawberry.ID(to_global_id("Sku", sid)),
                code=code,
                specs=[catalog.SpecValue(name=k, value=v) for k, v in specs.items()],
                price=Money.of(price),
                list_price=None,
                member_price=Money.of(share(price, KEEP_BP)),
                stock=stock,
                in_stock=stock > 0,
            )
            for sid, code, specs, price, stock in row["skus"]
        ]
        cid, cname = row["category"]
        node = catalog.ProductNode(
            id=strawberry.ID(to_global_id("Product", row["id"])),
            title=row["title"],
            description="",
            images=list(row["images"]),
            sales_count=0,
            price=Money.of(row["price"]),
            member_price=Money.of(share(row["price"], KEEP_BP)),
            category=catalog.CategoryNode(
                id=strawberry.ID(to_global_id("Category", cid)),
                name=cname,
                parent_id=None,
                children=[],
            ),
            skus=skus,
        )
        edges.append(Edge(cursor=f"c{row['id']}", node=node))
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=True, has_previous_page=False, start_cursor="c", end_cursor="c"
        ),
        counter=None,  # type: ignore[arg-type]
    )


def _money(fen: int) -> SimpleNamespace:
    return SimpleNamespace(fen=fen, currency="CNY", formatted=format_fen(fen))


def default_page(data: list[dict[str, Any]]) -> Any:
    """Plain objects named as GraphQL names the fields (graphql-core's default resolver)."""
    edges = []
    for row in data:
        skus = [
            SimpleNamespace(
                id=to_global_id("Sku", sid),
                code=code,
                specs=[SimpleNamespace(name=k, value=v) for k, v in specs.items()],
                price=_money(price),
                listPrice=None,
                memberPrice=_money(share(price, KEEP_BP)),
                stock=stock,
                inStock=stock > 0,
            )
            for sid, code, specs, price, stock in row["skus"]
        ]
        cid, cname = row["category"]
        node = SimpleNamespace(
            id=to_global_id("Product", row["id"]),
            title=row["title"],
            images=list(row["images"]),
            price=_money(row["price"]),
            memberPrice=_money(share(row["price"], KEEP_BP)),
            category=SimpleNamespace(id=to_global_id("Category", cid), name=cname),
            skus=skus,
        )
        edges.append(SimpleNamespace(cursor=f"c{row['id']}", node=node))
    return SimpleNamespace(edges=edges, pageInfo=SimpleNamespace(hasNextPage=True, endCursor="c"))


def lean_page(data: list[dict[str, Any]]) -> Any:
    """Rows as domain/catalog/reads.py returns them, as views, in strawberry's connection."""
    products, skus = [], {}
    for row in data:
        cid, cname = row["category"]
        products.append(
            [row["id"], row["title"], list(row["images"]), row["price"], 0, None, cid, cname, None]
        )
        skus[row["id"]] = [
            [sid, row["id"], code, specs, price, None, stock]
            for sid, code, specs, price, stock in row["skus"]
        ]
    views = lean_nodes.product_views(products, skus, KEEP_BP)
    return Connection(
        edges=[Edge(cursor=f"c{view.row[0]}", node=view) for view in views],
        page_info=PageInfo(
            has_next_page=True, has_previous_page=False, start_cursor="c", end_cursor="c"
        ),
        counter=None,  # type: ignore[arg-type]
    )


def schema_answering(page: Callable[[], Any], plain: bool) -> Any:
    """A fresh copy of the shop schema whose `products` answers `page()`; with `plain`, the
    page's types read attributes by graphql-core's default resolver."""
    schema = strawberry.Schema(
        query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
    )._schema
    schema.query_type.fields["products"].resolve = lambda *_, **__: page()
    if plain:
        for name in (*PLAIN_TYPES, "Money", "Category"):
            for field in schema.type_map[name].fields.values():
                field.resolve = None
    return schema


def cpu_ms(schema: Any, document: Any, executor: type, repeats: int) -> float:
    """The least CPU of one page over `repeats` runs of 20 pages each."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(20):
            result = execute(schema, document, executor_class=executor)
            assert not getattr(result, "errors", None), result.errors  # type: ignore[union-attr]
        best = min(best, (time.process_time() - started) / 20)
    return 1000 * best


def main() -> int:
    small, large = 20, 100
    ways: dict[str, tuple[Callable[[list[dict[str, Any]]], Any], bool, type]] = {
        "strawberry": (strawberry_page, False, StrawberryGraphQLCoreExecutionContext),
        "default": (default_page, True, StrawberryGraphQLCoreExecutionContext),
        "compiled": (lean_page, False, LeanExecutionContext),
        "compiled+strawberry": (strawberry_page, False, LeanExecutionContext),
    }
    print(f"{'way':<22} {'ms/page of 20':>14} {'ms/page of 100':>15} {'ms per product':>15}")
    for name, (build, plain, executor) in ways.items():
        figures = []
        for size in (small, large):
            data = rows(size)
            schema = schema_answering(lambda data=data, build=build: build(data), plain)
            document = parse(PRODUCT_PAGE.replace("__FIRST__", str(size)))
            figures.append(cpu_ms(schema, document, executor, repeats=7))
        slope = (figures[1] - figures[0]) / (large - small)
        print(f"{name:<22} {figures[0]:>14.3f} {figures[1]:>15.3f} {slope:>15.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
