"""One OS process draining the outbox against the shared PostgreSQL database and the fake
WeChat, released together with another (tests.support.racing.run_workers) so both race for the
same messages; prints what it sent. Job on stdin: {"database_url", "now", "base_url",
"app_id", "secret"}.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from tortoise.context import TortoiseContext

from api.app import start_notifications
from api.jobs import run_job
from api.plugins import install_plugins
from api.wechat.client import WechatApp, WechatClient
from domain.db import tortoise_config
from tests.support.racing import read_job, wait_for_go


async def run(job: dict) -> int:
    install_plugins()
    wechat = WechatClient(WechatApp(job["app_id"], job["secret"]), job["base_url"])
    start_notifications(wechat)
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(job["database_url"]))
            await wechat.access_token()
            await wait_for_go()
            return await run_job("drain-outbox", datetime.fromisoformat(job["now"]))
    finally:
        await wechat.aclose()


def main() -> None:
    print(json.dumps(asyncio.run(run(read_job()))))


if __name__ == "__main__":
    main()
