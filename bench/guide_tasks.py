"""Guide task batch benchmark (issue 17): the time to turn a segment of about 50 000 customers
into one task each for the guide serving them, on the report generator's people (200 000
members, stores with a manager and guides, distributors, share links and visits, service
relationships). Only its organisation and people are loaded: task batches read no order, and
its sales and payouts parts are not needed here.

The segment is the members who came OFFLINE_SIGNUP or by CAMPAIGN (25 % of the generator's
members: about 50 000). Three runs side by side, each on the same data:
- HQ's batch over the whole segment (chunks of `batches.CHUNK`, one transaction each);
- the same batch run again from its first chunk (a restart after a crash before the first
  commit: every insert meets the unique (batch, member) and is skipped, so it makes nothing);
- a store manager's batch (the same segment confined to the busiest store).
The run fails (exit 1) unless the HQ batch made one task per segment member with a guide and
the rerun made none.

Measured (2 cores shared with other helpers' test runs; 200 000 members, segment of 50 161
members of whom 42 975 have a guide, chunks of 1 000):
    PostgreSQL  HQ batch 8.45 s (5 086 tasks/s), rerun from the start 4.95 s (0 tasks, ×0.59),
                a store manager's batch (451 tasks) 0.16 s
    SQLite      HQ batch 3.48 s (12 358 tasks/s), rerun 2.52 s (×0.72), store batch 0.07 s
Generating the people took 24 s (PostgreSQL) and 20 s (SQLite). A second PostgreSQL run at load
average 12 (other helpers' suites): HQ batch 9.08 s, rerun 6.45 s, store batch 0.24 s.

Run: `.venv/bin/python bench/guide_tasks.py --database-url postgres://postgres@127.0.0.1:5432/postgres`
(a throwaway database is made next to the one named and dropped after) or
`--database-url sqlite:///tmp/bench.sqlite3` (a fresh file).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402
from tortoise.expressions import Subquery  # noqa: E402
from tortoise.functions import Count  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from api.plugins import install_plugins  # noqa: E402
from bench.common import create_postgres_database, drop_postgres_database  # noqa: E402
from bench.generate import Generator, open_loader  # noqa: E402
from distribution.models import ServiceRelationship  # noqa: E402
from domain.db import tortoise_config  # noqa: E402
from domain.members.models import AcquisitionChannel  # noqa: E402
from loyalty.audience.filters import AudienceFilter  # noqa: E402
from loyalty.audience.segments import create_segment, segment_members  # noqa: E402
from loyalty.workbench import batches  # noqa: E402
from loyalty.workbench.models import BatchState, GuideTask, TaskBatch  # noqa: E402
from loyalty.workbench.tasks import today  # noqa: E402

SOURCES = (AcquisitionChannel.OFFLINE_SIGNUP, AcquisitionChannel.CAMPAIGN)


async def _timed(name: str, run) -> tuple[str, float, int]:
    before = await GuideTask.all().count()
    began = time.perf_counter()
    await run()
    seconds = time.perf_counter() - began
    return name, seconds, await GuideTask.all().count() - before


async def measure(database_url: str) -> list[tuple[str, float, int]]:
    await Tortoise.init(config=tortoise_config(database_url))
    install_plugins()
    try:
        segment = await create_segment("线下与活动会员", AudienceFilter(sources=SOURCES), "bench")
        members = await (await segment_members(segment)).count()
        with_guide = (
            await (await segment_members(segment))
            .filter(
                id__in=Subquery(
                    ServiceRelationship.filter(
                        valid_to__isnull=True, guide_id__isnull=False
                    ).values("member_id")
                )
            )
            .count()
        )
        print(f"segment: {members:,d} members, {with_guide:,d} served by a guide")
        request = batches.BatchRequest(
            segment_id=segment.id, due_on=today() + timedelta(days=3), instructions="回访"
        )

        async def hq() -> None:
            await batches.create_batch(request, None, "bench")

        hq_run = await _timed("HQ batch", hq)
        batch = await TaskBatch.get(store_id=None)

        async def rerun() -> None:
            await TaskBatch.filter(id=batch.id).update(state=BatchState.RUNNING, cursor_member_id=0)
            await batches.run_batch(batch.id)

        rerun_run = await _timed("rerun from the start", rerun)
        busiest = (
            await ServiceRelationship.filter(valid_to__isnull=True)
            .annotate(count=Count("id"))
            .group_by("store_id")
            .order_by("-count")
            .first()
            .values_list("store_id", flat=True)
        )

        async def store() -> None:
            await batches.create_batch(request, busiest, "bench-manager")

        store_run = await _timed(f"store {busiest} manager's batch", store)
        if (hq_run[2], rerun_run[2]) != (with_guide, 0):
            raise SystemExit(
                f"expected {with_guide} then 0 tasks, made {hq_run[2]}, {rerun_run[2]}"
            )
        return [hq_run, rerun_run, store_run]
    finally:
        await Tortoise.close_connections()


async def people(database_url: str, members: int, seed: int) -> None:
    """The generator's stores, staff and members with their relationships, on a migrated
    database."""
    await migrate(AppConfig(database_url=database_url, jwt_secret="x" * 40))
    loader, connection = await open_loader(database_url)
    try:
        if connection is not None:
            await connection.execute("SET session_replication_role = replica")
        generator = Generator(loader, members, 0, seed)
        generator.links = []
        generator.ancestry = {}
        await generator.organisation()
        await generator.people()
        await loader.finish()
    finally:
        if connection is not None:
            await connection.close()


async def main_async(args: argparse.Namespace) -> None:
    url = args.database_url
    postgres = url.startswith(("postgres://", "postgresql://"))
    database_url = await create_postgres_database(url) if postgres else url
    try:
        began = time.perf_counter()
        await people(database_url, args.members, args.seed)
        print(f"generated {args.members:,d} members in {time.perf_counter() - began:.0f} s")
        rows = await measure(database_url)
    finally:
        if postgres:
            await drop_postgres_database(url, database_url)
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"\n{backend}, chunks of {batches.CHUNK} members, one transaction each")
    base = rows[0][1]
    for name, seconds, tasks in rows:
        rate = tasks / seconds if seconds else 0
        print(
            f"{name:32s} {seconds:8.2f} s {tasks:>8,d} tasks {rate:>9,.0f} tasks/s"
            f"  ×{seconds / base:.2f} of HQ's"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://... or sqlite:///path")
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
