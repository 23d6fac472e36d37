"""The catalog version: what a response cache of the storefront checks its entries against.

Why: cached catalog pages must show a price change, a product taken off sale or a tier edit on
the very next request to any worker (issue 18). Every such change bumps this counter in its own
transaction (the catalog services, tier edits, settings changes), and every cached read reads
it first: one indexed single-row SELECT, far cheaper than the page it saves. Stock and sales
counts change with every order and do not bump it: a cached page shows them at most
`catalog.stock_display_lag_seconds` late (checkout always checks stock exactly).
"""

from __future__ import annotations

from domain import sql
from domain.sql import Sql

_BUMP = Sql(
    "catalog.version.bump",
    "INSERT INTO catalog_version (id, version) VALUES (1, 1)"
    " ON CONFLICT (id) DO UPDATE SET version = catalog_version.version + 1",
)
_READ = Sql("catalog.version.read", "SELECT version FROM catalog_version WHERE id = 1")


async def bump_catalog_version() -> None:
    """Call inside the transaction of the change (the row lock orders concurrent changes)."""
    await sql.execute(_BUMP)


async def catalog_version() -> int:
    """The current version; 0 before the first change."""
    row = await sql.fetch_one(_READ)
    return 0 if row is None else int(row["version"])
