"""Guide workbench benchmark (issue 17): a guide's customer list with any filter, on the report
generator's data (bench/generate.py: 200 000 members), for a guide with 5 000 customers.

Target: every filter and sort under 200 ms on PostgreSQL (page of 20 plus totalCount, the way
the API runs them), with the same number of statements whatever the filter. The generator
leaves each guide a few hundred customers and no audience stats, tags or birthdays, so the
script first gives the data what the list reads (idempotent, in one transaction):
- guide 1 of store 1 serves 5 000 customers (relationships in force moved to them);
- `member_audience` rows from the paid orders (stats, lifecycle against the data's last day,
  value by spend), as the refresh job would leave them;
- birthdays for every member and five manual tags, each on a fifth of the members.
Then each case runs once to warm up and `--runs` times; the median is printed with the ratio to
the target, and `--explain` prints PostgreSQL's plan of each case's page statement.

Measured (2 cores shared with other work, load average 8-10; PostgreSQL 15; 200 000 members,
1 000 000 orders; guide with 5 000 customers; median of 5-7 runs, page of 20 with its total):
every case 16-124 ms (no filter 40-54, lifecycle 33-45, value 51, tags any/all 124/91, tier 43,
last order range 49, spend range 31, birthday month 16, channel 25, everything at once 53).
The same cases before the key lookups (plain joins: PostgreSQL hash-joined the 5 000 customers
with scans of all members, stats rows or tags): 63-956 ms, tier 643, everything at once 956.

Run: `.venv/bin/python bench/guide_customers.py --database-url postgres://.../db [--runs 5]
[--explain]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))

from tortoise import Tortoise, connections  # noqa: E402

from api.admin.customer_search import (  # noqa: E402
    CustomerQuery,
    CustomerSort,
    customer_count,
    customer_page,
    customer_statement,
    prepare,
)
from domain import clock  # noqa: E402
from domain.db import tortoise_config, transaction  # noqa: E402
from domain.members.models import AcquisitionChannel  # noqa: E402
from loyalty.audience.filters import AudienceFilter, TagMatch, validated  # noqa: E402
from loyalty.audience.models import Lifecycle, ValueLevel  # noqa: E402
from loyalty.tiers import ensure_default_tiers  # noqa: E402

CUSTOMERS = 5_000
TARGET_MS = 200.0
PAGE = 20
TAGS = ("孕期", "敏感肌", "学生", "宝妈", "高净值")

FILL_AUDIENCE = """INSERT INTO member_audience (member_id, paid_orders, last_paid_at, spend_fen,
  orders_365, spend_365_fen, lifecycle, value, koc_candidate, refreshed_at)
SELECT o.member_id, COUNT(*), MAX(o.paid_at), SUM(o.payable_fen), COUNT(*), SUM(o.payable_fen),
  CASE WHEN MAX(o.paid_at) < CAST($1 AS TIMESTAMPTZ) - interval '180 days' THEN 'CHURNED'
    WHEN MAX(o.paid_at) < CAST($1 AS TIMESTAMPTZ) - interval '90 days' THEN 'AT_RISK'
    WHEN COUNT(*) >= 2 THEN 'REPEAT' ELSE 'FIRST_PURCHASE' END,
  CASE WHEN SUM(o.payable_fen) >= 200000 THEN 'HIGH'
    WHEN SUM(o.payable_fen) >= 50000 THEN 'MID' ELSE 'LOW' END,
  false, $1
FROM "order" o WHERE o.paid_at IS NOT NULL GROUP BY o.member_id
ON CONFLICT (member_id) DO NOTHING"""
BIRTHDAYS = """UPDATE member SET birthday = DATE '1970-01-01' + CAST((id * 7919) % 14000 AS INTEGER)
WHERE birthday IS NULL"""
MAKE_TAGS = """INSERT INTO tag (name, created_by, created_at)
SELECT name, 'bench', $1 FROM unnest(CAST($2 AS TEXT[])) AS name ON CONFLICT (name) DO NOTHING"""
TAG_MEMBERS = """INSERT INTO member_tag (member_id, tag_id, added_by, added_at)
SELECT m.id, t.id, 'bench', $1 FROM member m JOIN tag t ON t.created_by = 'bench'
WHERE m.id % (2 + t.id % 5) = 0 ON CONFLICT (member_id, tag_id) DO NOTHING"""
MOVE_CUSTOMERS = """UPDATE service_relationship SET guide_id = $1, store_id = $2
WHERE id IN (SELECT id FROM service_relationship WHERE valid_to IS NULL
  AND (guide_id IS NULL OR guide_id <> $1) ORDER BY id LIMIT $3)"""
SERVED = """SELECT COUNT(*) AS n FROM service_relationship
WHERE valid_to IS NULL AND guide_id = $1"""


async def prepare_data() -> tuple[int, list[int]]:
    """The busy guide's id and the bench tags' ids, after preparing what the list reads."""
    db = connections.get("default")
    end = clock.now()
    async with transaction():
        [guide] = await db.execute_query_dict(
            "SELECT id, store_id FROM staff WHERE role = 'GUIDE' ORDER BY id LIMIT 1"
        )
        served = (await db.execute_query_dict(SERVED, [guide["id"]]))[0]["n"]
        if served < CUSTOMERS:
            await db.execute_query(
                MOVE_CUSTOMERS, [guide["id"], guide["store_id"], CUSTOMERS - served]
            )
        await db.execute_query(FILL_AUDIENCE, [end])
        await db.execute_query(BIRTHDAYS)
        await db.execute_query(MAKE_TAGS, [end, list(TAGS)])
        await db.execute_query(TAG_MEMBERS, [end])
    await db.execute_script("ANALYZE")
    tags = [
        r["id"]
        for r in await db.execute_query_dict("SELECT id FROM tag WHERE created_by = 'bench'")
    ]
    served = (await db.execute_query_dict(SERVED, [guide["id"]]))[0]["n"]
    print(f"guide {guide['id']} serves {served} customers")
    return guide["id"], tags


@dataclass(frozen=True)
class Case:
    name: str
    audience: AudienceFilter = field(default_factory=AudienceFilter)
    birthday_month: int | None = None
    sort: CustomerSort = CustomerSort.LAST_ORDER
    descending: bool = True


def cases(tags: list[int]) -> list[Case]:
    return [
        Case("no filter, last order"),
        Case("no filter, spend", sort=CustomerSort.SPEND),
        Case("no filter, bound at asc", sort=CustomerSort.BOUND_AT, descending=False),
        Case("lifecycle AT_RISK", AudienceFilter(lifecycles=(Lifecycle.AT_RISK,))),
        Case("lifecycle NEW (no stats row)", AudienceFilter(lifecycles=(Lifecycle.NEW,))),
        Case(
            "value HIGH, spend", AudienceFilter(values=(ValueLevel.HIGH,)), sort=CustomerSort.SPEND
        ),
        Case("tags any of 2", AudienceFilter(tag_ids=tuple(tags[:2]))),
        Case("tags all of 2", AudienceFilter(tag_ids=tuple(tags[:2]), tag_match=TagMatch.ALL)),
        Case("tier V0", AudienceFilter(tier_codes=("V0",))),
        Case(
            "last order 30-120 days",
            AudienceFilter(last_order_min_days=30, last_order_max_days=120),
        ),
        Case("spend 100-1000 yuan", AudienceFilter(min_spend_fen=10_000, max_spend_fen=100_000)),
        Case("birthday month 3", birthday_month=3),
        Case(
            "channel OFFLINE_SIGNUP", AudienceFilter(sources=(AcquisitionChannel.OFFLINE_SIGNUP,))
        ),
        Case(
            "everything at once",
            AudienceFilter(
                lifecycles=(Lifecycle.REPEAT, Lifecycle.AT_RISK),
                values=(ValueLevel.MID, ValueLevel.HIGH),
                tag_ids=tuple(tags[:3]),
                tier_codes=("V0", "V1"),
                min_spend_fen=1,
                last_order_max_days=365,
                sources=(AcquisitionChannel.SHARE_LINK, AcquisitionChannel.OFFLINE_SIGNUP),
            ),
            birthday_month=5,
            sort=CustomerSort.SPEND,
        ),
    ]


async def _prepared(guide: int, case: Case):
    audience = await validated(case.audience, "filter")
    query = CustomerQuery(
        scope_guide_id=guide,
        audience=audience,
        birthday_month=case.birthday_month,
        sort=case.sort,
        descending=case.descending,
    )
    return await prepare(query)


async def run_case(guide: int, case: Case) -> tuple[int, int]:
    """What the API runs for one request: validation, the page of 20 with totalCount."""
    prepared = await _prepared(guide, case)
    page = await customer_page(prepared, PAGE + 1, None)
    total = page.total if page.total is not None else await customer_count(prepared)
    return len(page.rows), total


async def explain(guide: int, case: Case) -> str:
    prepared = await _prepared(guide, case)
    db = connections.get("default")
    text, values = customer_statement(prepared.shape).bind(db, {**prepared.params, "limit": 21})
    rows = await db.execute_query_dict(f"EXPLAIN (ANALYZE, BUFFERS OFF) {text}", values)
    return "\n".join(row["QUERY PLAN"] for row in rows)


async def main_async(database_url: str, runs: int, show_plans: bool) -> None:
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await ensure_default_tiers()
        guide, tags = await prepare_data()
        print(f"{'case':34s} {'rows':>5s} {'total':>6s} {'median ms':>10s} {'of target':>10s}")
        for case in cases(tags):
            rows, total = await run_case(guide, case)  # warm up
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                await run_case(guide, case)
                times.append((time.perf_counter() - began) * 1000)
            median = statistics.median(times)
            print(
                f"{case.name:34s} {min(rows, PAGE):>5d} {total:>6d} {median:>10.1f}"
                f" {median / TARGET_MS:>9.0%}"
            )
            if show_plans:
                print(await explain(guide, case))
    finally:
        await Tortoise.close_connections()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://... (generated)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    asyncio.run(main_async(args.database_url, args.runs, args.explain))


if __name__ == "__main__":
    main()
