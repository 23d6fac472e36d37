"""Notifications benchmark: how many subscription messages one process sends per second.

Why: a campaign day ships thousands of orders, and every shipped order is one
`subscribeMessage.send`; issue 14 asks the dispatcher for at least 200 messages a second from
one process. This script measures it against the fake WeChat server (tests/fakes/wechat.py:
real HTTP on loopback, the template's keys and WeChat's value limits checked, one authorization
used per message), served by its own process so the dispatcher's process is measured alone:

1. a fresh SQLite file (or `--postgres URL`: a throwaway database) with `--messages` members,
   each with a WeChat openid and one accepted authorization of the shipped template, HQ's
   mapping in settings, and one due `notify.wechat` outbox row per member;
2. `drain` as the `drain-outbox` job runs it (leases of 100, 16 sends at a time), repeated until
   nothing is due, timed; then the same with one send at a time (`concurrency=1`) on a second
   batch, so the gain of concurrent sends is shown side by side;
3. the books: the fake received exactly one message per member, every row is SENT, every quota
   is spent. A difference exits 1; a missed target is reported, not a failure.

Run `.venv/bin/python bench/notifications.py [--messages N] [--postgres URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import socket
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from tortoise import Tortoise  # noqa: E402
from tortoise.migrations.api import migrate  # noqa: E402

from api.wechat.client import WechatApp, WechatClient  # noqa: E402
from api.wechat.subscribe import SubscriptionSender  # noqa: E402
from domain import clock  # noqa: E402
from domain.db import tortoise_config  # noqa: E402
from domain.members.models import Member, MemberIdentity  # noqa: E402
from domain.notifications.catalogue import NotifyEvent  # noqa: E402
from domain.notifications.fanout import WECHAT, message_key  # noqa: E402
from domain.notifications.models import SubscriptionQuota  # noqa: E402
from domain.outbox import dispatch  # noqa: E402
from domain.outbox import service as outbox  # noqa: E402
from domain.outbox.models import OutboxMessage, OutboxState  # noqa: E402
from domain.settings.service import update_settings  # noqa: E402
from tests.fakes.wechat import FakeWechat  # noqa: E402

APP_ID, SECRET, TEMPLATE = "wx-bench", "bench-secret", "TPL-SHIPPED"
KEYS = {"thing1": "product", "character_string2": "order_no", "date3": "shipped_at"}
MORNING = datetime.fromisoformat("2026-12-07T10:00:00+08:00")
TARGET = 200


def serve_fake(port_queue: multiprocessing.Queue, authorizations: int) -> None:
    """The fake WeChat in its own process; `/bench/count` says how many messages it took."""
    fake = FakeWechat(APP_ID, SECRET)
    fake.add_template(TEMPLATE, set(KEYS))
    for n in range(authorizations):
        fake.accept(f"o{n}", TEMPLATE)

    async def count(request: Request) -> JSONResponse:
        return JSONResponse(
            {"messages": len(fake.messages), "to": len({m["touser"] for m in fake.messages})}
        )

    fake.app.router.routes.append(Route("/bench/count", count))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port_queue.put(sock.getsockname()[1])
    config = uvicorn.Config(fake.app, log_config=None, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


async def seed(first: int, count: int) -> None:
    """Members `first`..`first+count-1`, each with an openid, one authorization, one message."""
    now = clock.now()
    await Member.bulk_create(
        [Member(created_at=now, updated_at=now) for _ in range(count)], batch_size=1000
    )
    ids = (
        await Member.filter().order_by("id").offset(first).limit(count).values_list("id", flat=True)
    )
    await MemberIdentity.bulk_create(
        [
            MemberIdentity(
                member_id=member_id,
                provider="WECHAT",
                app_id=APP_ID,
                openid=f"o{first + n}",
                created_at=now,
            )
            for n, member_id in enumerate(ids)
        ],
        batch_size=1000,
    )
    await SubscriptionQuota.bulk_create(
        [
            SubscriptionQuota(member_id=m, template_id=TEMPLATE, remaining=1, updated_at=now)
            for m in ids
        ],
        batch_size=1000,
    )
    values = {"product": "秋季新品连衣裙（米白色，M 码）两件套", "order_no": "", "shipped_at": ""}
    messages = [
        (
            message_key(m, NotifyEvent.ORDER_SHIPPED, TEMPLATE, f"o{m}"),
            {
                "member_id": m,
                "openid": f"o{first + n}",
                "event": NotifyEvent.ORDER_SHIPPED.value,
                "subject": f"o{m}",
                "values": {**values, "order_no": f"D{m:012d}", "shipped_at": "2026年12月7日 09:00"},
            },
        )
        for n, m in enumerate(ids)
    ]
    for start in range(0, len(messages), 1000):
        await outbox.enqueue_many(WECHAT, messages[start : start + 1000], now)


async def drain_all(concurrency: int) -> tuple[int, float]:
    sent, began = 0, time.perf_counter()
    while True:
        tally = await dispatch.drain(MORNING, concurrency=concurrency)
        sent += tally[(WECHAT, "sent")]
        if not tally:
            return sent, time.perf_counter() - began


async def run(messages: int, sequential: int, postgres: str | None, concurrency: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="siyu-notify-"))
    database_url = postgres or f"sqlite://{work / 'bench.db'}"
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(database_url))
    ports: multiprocessing.Queue = multiprocessing.Queue()
    fake = multiprocessing.Process(
        target=serve_fake, args=(ports, messages + sequential), daemon=True
    )
    fake.start()
    base_url = f"http://127.0.0.1:{ports.get(timeout=30)}"
    http = httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=32))
    wechat = WechatClient(WechatApp(APP_ID, SECRET), base_url, http=http)
    try:
        with clock.frozen_at(MORNING):
            mapping = json.dumps({"id": TEMPLATE, "page": "", "data": KEYS})
            await update_settings([("notify.template.order_shipped", mapping)], "bench")
            await seed(0, messages)
            dispatch.register_sender(WECHAT, SubscriptionSender(wechat))
            await wechat.access_token()  # the token is fetched once per process, not timed
            sent, seconds = await drain_all(concurrency=concurrency)
            await seed(messages, sequential)
            sent_one, seconds_one = await drain_all(concurrency=1)
        rate, rate_one = sent / seconds, sent_one / seconds_one
        print(
            f"{sent} messages in {seconds:.2f} s: {rate:,.0f} messages/s, {concurrency} sends at a "
            f"time (target >= {TARGET}: {'met' if rate >= TARGET else 'MISSED'})"
        )
        print(
            f"{sent_one} messages in {seconds_one:.2f} s: {rate_one:,.0f} messages/s, one at a "
            f"time; concurrent sends are {rate / rate_one:.1f}x faster"
        )
        received = (await http.get(f"{base_url}/bench/count")).json()
        total = messages + sequential
        books = {
            "fake received": received["messages"],
            "distinct members": received["to"],
            "rows SENT": await OutboxMessage.filter(state=OutboxState.SENT).count(),
            "quotas spent": await SubscriptionQuota.filter(remaining=0).count(),
        }
        print("books:", books)
        if set(books.values()) != {total} or (sent, sent_one) != (messages, sequential):
            print(f"INCONSISTENT: expected {total} everywhere", file=sys.stderr)
            return 1
        return 0
    finally:
        await http.aclose()
        fake.terminate()
        await Tortoise.close_connections()
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--sequential", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="a throwaway database's URL")
    parser.add_argument("--concurrency", type=int, default=16, help="drain's sends at a time")
    arguments = parser.parse_args()
    sys.exit(
        asyncio.run(
            run(arguments.messages, arguments.sequential, arguments.postgres, arguments.concurrency)
        )
    )


if __name__ == "__main__":
    main()
