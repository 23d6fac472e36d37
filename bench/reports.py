"""Report benchmark (issue 6): every report on a generated database (bench/generate.py), timed
in-process on the report SQL as the API runs it (one page of 100 rows with totals over every
group), and the memory the commission-entries CSV export costs the server while it streams.

Why both: the reports promise to aggregate in SQL over indexes, so their time must stay flat
in the number of rows a period holds (targets: < 1 s on PostgreSQL, < 3 s on SQLite with a
million orders on a 2-core machine); the export promises constant memory (target: < 100 MB of
RSS growth for a million rows), which only shows on the real server process: uvicorn on
loopback, the real app, a real HQ_FINANCE token, the response read to the end and the server's
RSS sampled every 20 ms.

Periods: the last month of the data (2026-10) and its whole year (365 days, the largest a
report accepts). Each report runs once to warm the caches, then `--runs` times; the median is
printed. Store-scoped figures use store 1 (what a store manager runs).

Measured before the rollups (2 shared cores, 1 000 000 orders, 200 000 members, 1.24 M entries,
2.47 M ledger rows; whole-brand scope, median seconds, month / year): PostgreSQL 15 —
commission by store/day 0.60 / 4.7, by distributor/month 0.46 / 3.2, by role/week 0.93 / 6.0,
channel cohorts 0.30 / 3.1; SQLite — commission 0.99 / 10.4, 0.95 / 9.2, 1.34 / 12.3, cohorts
0.07 / 4.1. The entries export: server RSS +6.5 MiB (PostgreSQL, 31 s) and +6.3 MiB (SQLite,
25 s) for 1.24 M rows.

Measured with the rollups (same data: 613 k `commission_day` rows, 156 k `member_cohort_value`
rows): PostgreSQL 15 — commission by store/day 0.16 / 0.89, by distributor/month 0.10 / 0.78,
by role/week 0.08 / 0.35, promoter ranking 0.06 / 0.40, store performance 0.08 / 0.45, guide
performance 0.06 / 0.41, channel cohorts 0.04 / 0.45, share funnel by link 0.11 / 0.57, by
distributor 0.08 / 0.44. SQLite — commission 0.22 / 1.22, 0.21 / 1.14, 0.21 / 1.03, promoters
0.28 / 2.25, stores 0.20 / 0.79, guides 0.37 / 2.45, cohorts 0.03 / 0.38, funnel 0.13 / 0.65 and
0.10 / 0.60. A store's scope: under 0.16 s everywhere but promoters and guides (their
whole-brand figures). The commission report now reads one rollup row per day, account and role
that moved (a quarter of the ledger rows), grouped straight to bucket and dimension, and the
cohorts one value row per member who paid: both stay well inside the targets over a year.

Run: `.venv/bin/python bench/reports.py --database-url URL [--runs 3] [--no-export]
[--no-reports]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402

from api.auth.tokens import ADMIN, TokenService  # noqa: E402
from bench.common import JWT_SECRET, Server, new_client, server_env  # noqa: E402
from distribution.reports import cohorts, commission, funnel, guides, promoters, stores  # noqa: E402
from distribution.reports.periods import Period  # noqa: E402
from distribution.reports.run import ReportQuery, page  # noqa: E402
from distribution.reports.sql import Granularity  # noqa: E402
from domain.db import tortoise_config  # noqa: E402
from domain.org import service as org  # noqa: E402
from domain.org.models import Staff, StaffRole  # noqa: E402

MONTH = Period(date(2026, 10, 1), date(2026, 10, 31))
YEAR = Period(date(2025, 11, 1), date(2026, 10, 31))
C = commission.CommissionDimension

REPORTS: dict[str, Callable[[Period, int | None], ReportQuery]] = {
    "commission by store/day": lambda p, s: commission.commission_query(
        commission.CommissionFilters(p, Granularity.DAY, C.STORE, s)
    ),
    "commission by distributor/month": lambda p, s: commission.commission_query(
        commission.CommissionFilters(p, Granularity.MONTH, C.DISTRIBUTOR, s)
    ),
    "commission by role/week": lambda p, s: commission.commission_query(
        commission.CommissionFilters(p, Granularity.WEEK, C.ROLE, s)
    ),
    "promoter ranking": lambda p, s: promoters.promoter_query(promoters.PromoterFilters(p, s)),
    "store performance": lambda p, s: stores.store_query(stores.StoreFilters(p, s)),
    "guide performance": lambda p, s: guides.guide_query(guides.GuideFilters(p, s)),
    "channel cohorts": lambda p, s: cohorts.cohort_query(cohorts.CohortFilters(p, s)),
    "share funnel by link": lambda p, s: funnel.funnel_query(
        funnel.FunnelFilters(p, funnel.FunnelGrouping.LINK, s)
    ),
    "share funnel by distributor": lambda p, s: funnel.funnel_query(
        funnel.FunnelFilters(p, funnel.FunnelGrouping.DISTRIBUTOR, s)
    ),
}


async def time_report(query: ReportQuery, runs: int) -> tuple[float, int]:
    """Median seconds of `runs` runs after a warm-up, and the report's number of rows."""
    result = await page(query, 100)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await page(query, 100)
        times.append(time.perf_counter() - began)
    return statistics.median(times), result.row_count


async def time_reports(database_url: str, runs: int) -> None:
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        print(
            f"{'report':34s} {'scope':>6s} {'month s':>8s} {'rows':>6s} {'year s':>8s} {'rows':>7s}"
        )
        for name, build in REPORTS.items():
            for scope in (None, 1):
                month, month_rows = await time_report(build(MONTH, scope), runs)
                year, year_rows = await time_report(build(YEAR, scope), runs)
                label = "all" if scope is None else "store"
                print(
                    f"{name:34s} {label:>6s} {month:8.3f} {month_rows:6d} {year:8.3f}"
                    f" {year_rows:7d}",
                    flush=True,
                )
    finally:
        await Tortoise.close_connections()


async def finance_token(database_url: str) -> str:
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        staff = await Staff.get_or_none(username="bench-finance") or await org.create_staff(
            username="bench-finance", password_hash="!", role=StaffRole.HQ_FINANCE, store_id=None
        )
        return TokenService(JWT_SECRET, "siyu").issue(ADMIN, staff.id, staff.token_version).token
    finally:
        await Tortoise.close_connections()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def measure_export(database_url: str) -> None:
    """RSS growth of the server while it streams the year's commission entries as CSV."""
    token = await finance_token(database_url)
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(
            "export", "api.app:create_app", server_env(database_url), Path(workdir) / "log"
        )
        server.start()
        try:
            async with new_client(2) as client:
                client.timeout = None
                await server.wait_ready(client)
                headers = {"Authorization": f"Bearer {token}"}
                url = f"{server.base_url}/admin/exports/commission-entries.csv"
                warm = {"from": "2026-10-31", "to": "2026-10-31"}
                assert (await client.get(url, params=warm, headers=headers)).status_code == 200
                pid = server.process.pid
                baseline = rss_kib(pid)
                peak = [baseline]
                done = threading.Event()

                def sample() -> None:
                    while not done.wait(0.02):
                        peak[0] = max(peak[0], rss_kib(pid))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                began = time.perf_counter()
                lines = size = 0
                year = {"from": YEAR.first_day.isoformat(), "to": YEAR.last_day.isoformat()}
                async with client.stream("GET", url, params=year, headers=headers) as response:
                    assert response.status_code == 200, response.status_code
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        lines += chunk.count(b"\n")
                elapsed = time.perf_counter() - began
                done.set()
                sampler.join()
                print(
                    f"export commission-entries.csv: {lines - 1:,d} rows, {size / 2**20:.0f} MiB"
                    f" in {elapsed:.1f} s; server RSS {baseline / 1024:.0f} MiB →"
                    f" peak {peak[0] / 1024:.0f} MiB, growth {(peak[0] - baseline) / 1024:.1f} MiB"
                )
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-reports", action="store_true")
    args = parser.parse_args()
    if not args.no_reports:
        asyncio.run(time_reports(args.database_url, args.runs))
    if not args.no_export:
        asyncio.run(measure_export(args.database_url))


if __name__ == "__main__":
    main()
