"""Share-visit burst benchmark: a KOC's post sends a crowd through one link at once.

Why: a popular post brings thousands of new people within minutes, each opening the link
(`recordShareVisit`, which stores the visit, binds the newcomer to the KOC and moves the
link's funnel counters) while the KOC's poster, the link's 小程序码, is fetched over and over
before any CDN has it. Target (issue 13): >= 300 visits/s with binding on PostgreSQL with 2
workers, a constant number of SQL statements per visit, and the 小程序码 made exactly once.

How:
1. a throwaway PostgreSQL database, migrated; one KOC with a HOME link; `--visitors` new members
   inserted directly, each with an access token minted with the server's JWT secret (logging
   thousands in is not what is measured);
2. the fake WeChat (tests/fakes/wechat.py) on loopback in this process, the app under uvicorn
   with 2 workers (`LOGIN_PROVIDER=WECHAT` pointed at the fake, no scheduler);
3. statements per visit, counted in-process (the app over ASGI on the same database) for the
   first visits of fresh members and again after the burst: they must be equal;
4. the burst: `--clients` simulated clients on keep-alive connections; every client first asks
   for the link's 小程序码 (all at once, on two workers: the code must be made once), then
   records visits of its share of the members, one after another; visits/s over the burst;
5. the books: the link's visits, unique visitors and bindings, the stored visits and bindings,
   all equal to the visitors, every outcome BOUND; the fake's `getwxacodeunlimit` calls: 1.

CPU per visit is reported for the app's workers, the PostgreSQL backends of the bench's database
(others' databases on the same server left out), this process and the whole machine; their sum
gives the rate the machine's cores would carry with nothing else running (a shared machine's
visits/s says more about the neighbours than about the code). A broken book or a code
made more than once exits 1; a missed speed target is reported.
Run `.venv/bin/python bench/visits.py [--postgres URL] [--visitors N] [--clients N]`; traffic
stays on 127.0.0.1 and the servers are always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from api.app import create_app  # noqa: E402
from api.auth.tokens import SHOP, TokenService  # noqa: E402
from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from bench.common import (  # noqa: E402
    HOST,
    JWT_SECRET,
    BenchFailure,
    KeepAliveClient,
    NoAnswer,
    Server,
    command_ticks,
    counting_statements,
    create_postgres_database,
    drop_postgres_database,
    machine_ticks,
    new_client,
    server_env,
    ticks_to_seconds,
)
from distribution import links  # noqa: E402
from distribution.models import (  # noqa: E402
    Distributor,
    DistributorKind,
    DistributorStatus,
    ReferralBinding,
    ShareChannel,
    ShareLink,
    ShareTarget,
    ShareVisit,
)
from domain import clock  # noqa: E402
from domain.db import tortoise_config, transaction  # noqa: E402
from domain.members.models import AcquisitionChannel, Member  # noqa: E402
from tests.fakes.serving import serving  # noqa: E402
from tests.fakes.wechat import UNLIMITED_CODE, FakeWechat  # noqa: E402

TARGET_VISITS_PER_S = 300
APP_ID, APP_SECRET = "wx-bench-mall", "bench-app-secret"
VISIT = "mutation($code: String!) { recordShareVisit(code: $code) { outcome errors { code } } }"
COUNTED_VISITS = 3  # per counting round, after one visit that warms the settings cache


async def prepare(database_url: str, members: int) -> tuple[str, list[tuple[int, str]]]:
    """The KOC's link and the crowd: (member id, access token) for each newcomer."""
    await migrate(AppConfig(database_url=database_url))
    await Tortoise.init(config=tortoise_config(database_url))
    now = clock.now()
    koc_member = await Member.create(
        nickname="KOC",
        source_channel=AcquisitionChannel.MINI_PROGRAM,
        created_at=now,
        updated_at=now,
    )
    koc = await Distributor.create(
        kind=DistributorKind.KOC,
        status=DistributorStatus.ACTIVE,
        member_id=koc_member.id,
        ancestry="/",
        created_at=now,
        updated_at=now,
    )
    link = await links.create_link(koc, links.LinkRequest(ShareTarget.HOME, ShareChannel.CHAT))
    async with transaction():
        before = koc_member.id
        await Member.bulk_create(
            [
                Member(
                    nickname=f"访客{n:05d}",
                    source_channel=AcquisitionChannel.MINI_PROGRAM,
                    created_at=now,
                    updated_at=now,
                )
                for n in range(members)
            ]
        )
    ids = await Member.filter(id__gt=before).order_by("id").values_list("id", flat=True)
    tokens = TokenService(JWT_SECRET, "siyu")
    return link.code, [(member_id, tokens.issue(SHOP, member_id, 1).token) for member_id in ids]


async def count_statements(code: str, crowd: list[tuple[int, str]]) -> list[int]:
    """Statements of each visit, over ASGI in this process (the server's own code path)."""
    app = create_app(
        AppConfig(env="development", jwt_secret=JWT_SECRET, scheduler="off"),
        manage_database=False,
    )
    counts = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        for index, (_, token) in enumerate(crowd):
            with counting_statements() as counter:
                answer = await client.post(
                    "/graphql",
                    json={"query": VISIT, "variables": {"code": code}},
                    headers={"Authorization": f"Bearer {token}"},
                )
            if answer.json()["data"]["recordShareVisit"]["outcome"] != "BOUND":
                raise BenchFailure(f"counted visit not bound: {answer.text[:300]}")
            if index:
                counts.append(counter.count)
    return counts


async def burst(
    server: Server, code: str, crowd: list[tuple[int, str]], clients: int
) -> tuple[float, Counter[str], Counter[int]]:
    """Every client fetches the 小程序码 at once, then records its visitors' visits."""
    body = json.dumps({"query": VISIT, "variables": {"code": code}}).encode()
    outcomes: Counter[str] = Counter()
    qr_statuses: Counter[int] = Counter()
    shares = [crowd[i::clients] for i in range(clients)]
    start = asyncio.Event()

    async def one_client(share: list[tuple[int, str]], http: httpx.AsyncClient) -> None:
        await start.wait()
        qr = await http.get(f"{server.base_url}/qr/{code}.png")
        qr_statuses[qr.status_code] += 1
        async with KeepAliveClient(HOST, server.port) as poster:
            for _, token in share:
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {token}",
                }
                try:
                    status, answer = await poster.post("/graphql", body, headers)
                except NoAnswer as failure:
                    outcomes[f"no answer: {failure}"] += 1
                    continue
                if status != 200:
                    outcomes[f"HTTP {status}"] += 1
                    continue
                result = json.loads(answer)["data"]["recordShareVisit"]
                outcomes[result["outcome"] or str(result["errors"])] += 1

    async with new_client(clients) as http:
        tasks = [asyncio.create_task(one_client(share, http)) for share in shares]
        began = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - began
    return elapsed, outcomes, qr_statuses


def _cpu(server: Server, database_url: str) -> dict[str, float]:
    """CPU seconds so far: the app's workers, the PostgreSQL backends serving this database (not
    whatever else the server is doing for others), this process (the clients and the fake
    WeChat), the whole machine."""
    machine = machine_ticks()
    database = database_url.rpartition("/")[2].partition("?")[0]
    return {
        "app": server.cpu_seconds() or 0.0,
        "PostgreSQL": ticks_to_seconds(command_ticks("postgres", f" {database} ") or 0),
        "this client": time.process_time(),
        "machine": ticks_to_seconds(machine.busy) if machine else 0.0,
    }


async def books(code: str, visitors: int) -> list[str]:
    link = await ShareLink.get(code=code)
    stored = await ShareVisit.filter(link_id=link.id).count()
    bound = await ReferralBinding.filter(referrer_id=link.distributor_id).count()
    problems = []
    for name, value in (
        ("link visits", link.visits),
        ("link unique visitors", link.unique_visitors),
        ("link bindings", link.bindings),
        ("stored visits", stored),
        ("stored bindings", bound),
    ):
        if value != visitors:
            problems.append(f"{name}: {value}, expected {visitors}")
    return problems


async def run(options: argparse.Namespace, database_url: str, workdir: Path) -> int:
    counted = COUNTED_VISITS + 1
    code, crowd = await prepare(database_url, options.visitors + 2 * counted)
    early, burst_crowd, late = crowd[:counted], crowd[counted:-counted], crowd[-counted:]
    counted_before = await count_statements(code, early)
    fake = FakeWechat(APP_ID, APP_SECRET)
    fake.delay = 0.05  # WeChat takes a while to draw a code: the crowd arrives meanwhile
    async with serving(fake.app) as fake_url:
        env = server_env(database_url + "?maxsize=20")
        env.update(
            LOGIN_PROVIDER="WECHAT",
            WECHAT_APP_ID=APP_ID,
            WECHAT_APP_SECRET=APP_SECRET,
            WECHAT_API_BASE_URL=fake_url,
            SCHEDULER="off",
        )
        server = Server("app", "api.app:create_app", env, workdir / "app.log", workers=2)
        server.start()
        try:
            async with new_client(4) as http:
                await server.wait_ready(http)
                await asyncio.sleep(2)  # the second worker
            before = _cpu(server, database_url)
            elapsed, outcomes, qr_statuses = await burst(server, code, burst_crowd, options.clients)
            after = _cpu(server, database_url)
        finally:
            server.stop()
    counted_after = await count_statements(code, late)
    problems = await books(code, len(crowd))
    code_calls = fake.calls[UNLIMITED_CODE]
    rate = len(burst_crowd) / elapsed
    print(
        f"\nvisits: a KOC's crowd through one link | PostgreSQL, 2 workers,"
        f" {options.clients} clients"
    )
    print(f"  visits recorded with binding: {len(burst_crowd)} in {elapsed:.2f} s")
    print(f"  visits/s: {rate:.0f} (target >= {TARGET_VISITS_PER_S})")
    print(f"  outcomes: {dict(outcomes)}")
    print(f"  statements per visit: first {counted_before}, after the burst {counted_after}")
    print(f"  小程序码 requests: {dict(qr_statuses)}; getwxacodeunlimit calls: {code_calls}")
    per_visit = {name: 1000 * (after[name] - before[name]) / len(burst_crowd) for name in before}
    busy = per_visit.pop("machine")
    print(
        "  CPU ms per visit: "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in per_visit.items())
        + f"; the whole machine {busy:.1f} (2 cores: other work shares them)"
    )
    ours = sum(per_visit.values())
    cores = os.cpu_count() or 1
    if ours:
        print(
            f"  CPU-bound ceiling on {cores} cores of our own: {cores * 1000 / ours:.0f} visits/s"
            " (app + PostgreSQL + this client: the rate with no other work running)"
        )
    if rate < TARGET_VISITS_PER_S:
        print(f"  target missed: {rate:.0f} visits/s < {TARGET_VISITS_PER_S}")
    if outcomes != Counter({"BOUND": len(burst_crowd)}):
        problems.append(f"outcomes {dict(outcomes)}, expected all BOUND")
    if len(set(counted_before + counted_after)) != 1:
        problems.append(f"statements per visit vary: {counted_before} {counted_after}")
    if code_calls != 1 or qr_statuses != Counter({200: options.clients}):
        problems.append(f"小程序码 made {code_calls} times, answers {dict(qr_statuses)}")
    await Tortoise.close_connections()
    for problem in problems:
        print(f"bench failed: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server URL; a throwaway database is made beside its database",
    )
    parser.add_argument("--visitors", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=48)
    options = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="siyu-bench-"))
    try:
        database_url = asyncio.run(create_postgres_database(options.postgres))
        try:
            return asyncio.run(run(options, database_url, workdir))
        finally:
            asyncio.run(drop_postgres_database(options.postgres, database_url))
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
