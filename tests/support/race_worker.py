"""One racing OS process: fires its share of HTTP requests at once through the real app against
the shared PostgreSQL database, and prints the answers as JSON.

Run as `python -m tests.support.race_worker` with the job as JSON on stdin:
{"database_url": ..., "start_at": <epoch seconds>, "requests": [{"path", "json", "token"}]}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx
from tortoise.context import TortoiseContext

from api.app import create_app
from domain.db import tortoise_config
from tests.support.api import test_config


async def race(job: dict) -> list[dict]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(job["database_url"] + "?maxsize=40"))
        app = create_app(test_config(), manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://race") as client:

            async def send(request: dict) -> dict:
                headers = (
                    {"Authorization": f"Bearer {request['token']}"} if request.get("token") else {}
                )
                response = await client.post(
                    request["path"], json=request.get("json"), headers=headers
                )
                body = response.json() if response.content else None
                return {"status": response.status_code, "body": body}

            delay = job["start_at"] - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            return await asyncio.gather(*(send(r) for r in job["requests"]))


def main() -> None:
    job = json.load(sys.stdin)
    print(json.dumps(asyncio.run(race(job))))


if __name__ == "__main__":
    main()
