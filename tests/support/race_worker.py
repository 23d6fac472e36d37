"""One racing OS process: fires its share of HTTP requests at once through the real app against
the shared PostgreSQL database, and prints the answers as JSON.

Run by `tests.support.racing.race` (job on stdin: {"database_url", "requests": [{"path", "json",
"token"}], "config": {app settings, optional}}).
"""

from __future__ import annotations

import asyncio
import json

import httpx
from tortoise.context import TortoiseContext

from api.app import create_app
from domain.db import tortoise_config
from tests.support.api import test_config
from tests.support.racing import read_job, wait_for_go


async def race(job: dict) -> list[dict]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(job["database_url"] + "?maxsize=40"))
        app = create_app(test_config(**job.get("config", {})), manage_database=False)
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

            await wait_for_go()
            answers = await asyncio.gather(*(send(r) for r in job["requests"]))
        await app.state.payouts.aclose()
        return answers


def main() -> None:
    print(json.dumps(asyncio.run(race(read_job()))))


if __name__ == "__main__":
    main()
