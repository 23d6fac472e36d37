"""One OS process running a periodic job against the shared PostgreSQL database, started at
an agreed moment so several processes race for the same rows; prints the job's result.

Run as `python -m tests.support.job_worker` with the job as JSON on stdin:
{"database_url": ..., "start_at": <epoch seconds>, "job": "settle-commission", "now": <ISO>}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime

from tortoise.context import TortoiseContext

from api.jobs import run_job
from api.plugins import install_plugins
from domain.db import tortoise_config


async def run(job: dict) -> int:
    install_plugins()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(job["database_url"]))
        delay = job["start_at"] - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return await run_job(job["job"], datetime.fromisoformat(job["now"]))


def main() -> None:
    print(json.dumps(asyncio.run(run(json.load(sys.stdin)))))


if __name__ == "__main__":
    main()
