"""Two `siyu serve` processes on one PostgreSQL database, each with its own response cache
(issue 18): a price change, a product taken off sale and a tier edit made anywhere show on the
very next request to either process, and a member never sees another tier's price."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from api.graphql.ids import from_global_id
from domain import clock
from domain.catalog import service as catalog
from domain.catalog.models import ProductStatus, Sku
from domain.money import share
from loyalty.models import MemberLoyalty, Tier
from loyalty.tiers import TierChange, update_tier
from tests.api.test_metrics_workers import free_port
from tests.support.catalog import make_category, make_product
from tests.support.racing import ROOT

PAGE = (
    "query Page { products(first: 10) { edges { node { title price { fen } "
    "memberPrice { fen } } } } }"
)
LOGIN = 'mutation { login(code: "dev:%s") { member { id } tokens { accessToken } } }'


def start(database_url: str, port: int, errors: IO[str]) -> subprocess.Popen:
    """One `siyu serve` process with one worker (no scheduler: nothing else writes)."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WORKERS": "1",
        "LOG_LEVEL": "WARNING",
        "SCHEDULER": "off",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )


@asynccontextmanager
async def server(database_url: str, log: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A started server and a client to it; the server is stopped at the end."""
    port = free_port()
    with log.open("w") as errors:
        process = start(database_url, port, errors)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(300):
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"server did not start; see {log}")
                yield client
        finally:
            process.terminate()
            process.wait(timeout=20)


async def anonymous(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/graphql", params={"query": PAGE})
    assert response.status_code == 200
    return _by_title(response.json())


async def as_member(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": PAGE}, headers={"Authorization": f"Bearer {token}"}
    )
    return _by_title(response.json())


def _by_title(body: dict[str, Any]) -> dict[str, Any]:
    return {
        e["node"]["title"]: (e["node"]["price"]["fen"], e["node"]["memberPrice"]["fen"])
        for e in body["data"]["products"]["edges"]
    }


async def member_at(client: httpx.AsyncClient, openid: str, code: str) -> tuple[str, int]:
    login = (await client.post("/graphql", json={"query": LOGIN % openid})).json()["data"]
    member_id = from_global_id(login["login"]["member"]["id"], "Member")
    tier = await Tier.get(code=code)
    if not await MemberLoyalty.filter(member_id=member_id).update(tier_id=tier.id):
        await MemberLoyalty.create(member_id=member_id, tier=tier, updated_at=clock.now())
    return login["login"]["tokens"]["accessToken"], tier.discount_bp


async def test_every_change_shows_on_the_next_request_to_either_process(
    db, backend, request, tmp_path
):
    if backend != "postgres":
        pytest.skip("two processes share one database on PostgreSQL")
    database_url = request.getfixturevalue("postgres_database_url")
    category = await make_category()
    coat = await make_product(category, (10_000,), title="大衣")
    await make_product(category, (5_000,), title="手套")
    coat_sku = await Sku.get(product_id=coat.id)

    async with (
        server(database_url, tmp_path / "one.log") as one,
        server(database_url, tmp_path / "two.log") as two,
    ):
        silver, silver_bp = await member_at(one, "silver", "V1")
        gold, gold_bp = await member_at(one, "gold", "V2")
        # given both processes hold the page, for anonymous visitors and both tiers
        for client in (one, two, one, two):
            assert await anonymous(client) == {"大衣": (10_000, 10_000), "手套": (5_000, 5_000)}
            for token, keep in ((silver, silver_bp), (gold, gold_bp)):
                assert (await as_member(client, token))["大衣"] == (10_000, share(10_000, keep))

        # when the price changes (in a third process), then the next request to each shows it
        await catalog.update_sku(
            coat_sku.id, catalog.SkuInput(code=coat_sku.code, price_fen=8_000, stock=100)
        )
        for client in (two, one):
            assert (await anonymous(client))["大衣"] == (8_000, 8_000)
            assert (await as_member(client, gold))["大衣"] == (8_000, share(8_000, gold_bp))
            assert (await as_member(client, silver))["大衣"] == (8_000, share(8_000, silver_bp))

        # when the gold tier's discount is edited, then gold members see it next, silver not
        await update_tier((await Tier.get(code="V2")).id, TierChange(discount_bp=9_000))
        for client in (one, two):
            assert (await as_member(client, gold))["大衣"] == (8_000, 7_200)
            assert (await as_member(client, silver))["大衣"] == (8_000, share(8_000, silver_bp))

        # when the coat is taken off sale, then neither process lists it on the next request
        await catalog.update_product(coat.id, catalog.ProductInput(status=ProductStatus.OFF_SALE))
        for client in (two, one):
            assert await anonymous(client) == {"手套": (5_000, 5_000)}
            assert await as_member(client, gold) == {"手套": (5_000, 4_500)}
