"""One OS process running a periodic job against the shared PostgreSQL database, released
together with the others (tests.support.racing.run_workers) so they race for the same rows;
prints the job's result. Job on stdin: {"database_url", "job": "settle-commission", "now"}.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from tortoise.context import TortoiseContext

from api.jobs import run_job
from api.plugins import install_plugins
from domain.db import tortoise_config
from tests.support.racing import read_job, wait_for_go


async def run(job: dict) -> int:
    install_plugins()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(job["database_url"]))
        await wait_for_go()
        return await run_job(job["job"], datetime.fromisoformat(job["now"]))


def main() -> None:
    print(json.dumps(asyncio.run(run(read_job()))))


if __name__ == "__main__":
    main()
