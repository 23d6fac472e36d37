"""The baseline of bench/storefront.py: the storefront product page without GraphQL.

One Starlette route does what the shop schema's `products(first: N)` does: one keyset page with
its categories, the caller authenticated the same way (JWT signature, then token version and
revocation in the database), the member's tier, the page's SKUs, all through the same lean
statements (domain/catalog/reads.py), answered as the same JSON the GraphQL response carries
under `data`. The gap between this server and the real one (its response cache off) is
therefore the price of the GraphQL machinery alone.

Served by `uvicorn bench.bare_storefront:create_app --factory`, configured like the real app
from the environment (DATABASE_URL, JWT_SECRET).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise

from api.auth.tokens import SHOP, TokenService
from api.auth.viewer import bearer_token, resolve_viewer
from api.config import AppConfig
from api.graphql.ids import to_global_id
from api.graphql.relay import MAX_PAGE, NEWEST_FIRST
from domain.catalog import reads
from domain.catalog.queries import ProductFilter
from domain.db import tortoise_config
from domain.money import format_fen, share
from loyalty.tiers import price_keep_bp


def _money(fen: int) -> dict[str, Any]:
    return {"fen": fen, "formatted": format_fen(fen)}


def _sku(sku: Sequence[Any], keep_bp: int) -> dict[str, Any]:
    price = sku[reads.S_PRICE]
    return {
        "id": to_global_id("Sku", sku[reads.S_ID]),
        "code": sku[reads.S_CODE],
        "specs": [{"name": k, "value": v} for k, v in sku[reads.S_SPECS].items()],
        "price": {"fen": price},
        "memberPrice": {"fen": share(price, keep_bp)},
        "stock": sku[reads.S_STOCK],
    }


def _product(row: Sequence[Any], skus: list[Sequence[Any]], keep_bp: int) -> dict[str, Any]:
    price = row[reads.P_MIN_PRICE]
    return {
        "id": to_global_id("Product", row[reads.P_ID]),
        "title": row[reads.P_TITLE],
        "images": list(row[reads.P_IMAGES]),
        "price": _money(price),
        "memberPrice": _money(share(price, keep_bp)),
        "category": {"id": to_global_id("Category", row[reads.C_ID]), "name": row[reads.C_NAME]},
        "skus": [_sku(s, keep_bp) for s in skus],
    }


def create_app(config: AppConfig | None = None, *, manage_database: bool = True) -> Starlette:
    """Same signature as `api.app.create_app`, so the bench drives both the same way."""
    config = config or AppConfig()
    config.check()
    tokens = TokenService(config.jwt_secret, config.jwt_issuer)

    async def products(request: Request) -> Response:
        try:
            first = int(request.query_params.get("first", "20"))
        except ValueError:
            first = -1
        if not 0 <= first <= MAX_PAGE:
            return JSONResponse({"error": f"first must be 0..{MAX_PAGE}"}, status_code=400)
        # The statements in the order the GraphQL resolver runs them.
        page_request = reads.PageRequest(ProductFilter(), "created_at", None, first + 1)
        rows = await reads.product_rows(page_request) if first else []
        page, has_next = rows[:first], len(rows) > first
        token = bearer_token(request.headers.get("authorization"))
        viewer = await resolve_viewer(token, SHOP, tokens)
        keep_bp = await price_keep_bp(viewer.member_id)
        skus = await reads.sku_rows([row[reads.P_ID] for row in page])
        cursors = [NEWEST_FIRST.cursor_of((row[reads.P_CREATED], row[reads.P_ID])) for row in page]
        edges = [
            {"cursor": cursor, "node": _product(row, skus.get(row[reads.P_ID], []), keep_bp)}
            for cursor, row in zip(cursors, page, strict=True)
        ]
        page_info = {"hasNextPage": has_next, "endCursor": cursors[-1] if cursors else None}
        return JSONResponse({"data": {"products": {"edges": edges, "pageInfo": page_info}}})

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_database:
            async with RegisterTortoise(app, config=tortoise_config(config.database_url)):
                yield
        else:
            yield

    return Starlette(
        routes=[Route("/products", products), Route("/healthz", healthz)], lifespan=lifespan
    )
