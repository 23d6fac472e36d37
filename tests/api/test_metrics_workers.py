"""`/metrics` of a 2-worker `siyu serve` adds up across the workers (issue 12, item 2).

Before: each worker kept its own registry, so 20 requests showed as 5 or 15 depending on which
worker answered the scrape. Now every scrape shows every request, the values a previous start
left in the directory are gone, a worker killed and restarted loses no count, and the pools and
processes of both workers are reported.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from tests.support.racing import ROOT

HEALTHZ = (
    "siyu_http_requests_total",
    (("method", "GET"), ("route", "/healthz"), ("status", "200")),
)
POOL_MAX_PER_WORKER = 3


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of the exposition, through prometheus_client's own text parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def healthz_by_worker(directory: Path) -> dict[int, float]:
    """What each worker's own file holds for /healthz (the values one worker alone would show)."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        counts[pid] = 0.0
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):
            _, sample, labels, _ = json.loads(key)
            if sample == HEALTHZ[0] and labels.get("route") == "/healthz":
                counts[pid] += value
    return counts


def stale_counts(directory: Path) -> None:
    """A previous start's file: 1000 /healthz requests by a pid long gone."""
    directory.mkdir(parents=True, exist_ok=True)
    stale = MmapedDict(str(directory / "counter_999999.db"))
    labels = dict(HEALTHZ[1])
    name = HEALTHZ[0].removesuffix("_total")
    stale.write_value(mmap_key(name, HEALTHZ[0], labels, labels.values(), ""), 1000.0, 0.0)
    stale.close()


async def database_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's PostgreSQL database (migrated, emptied by `db`), or a SQLite file migrated by
    `siyu migrate` as an operator would."""
    if backend == "postgres":
        url = request.getfixturevalue("postgres_database_url")
        return f"{url}?maxsize={POOL_MAX_PER_WORKER}"
    url = f"sqlite://{tmp_path / 'siyu.db'}"
    migrate = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "migrate",
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
    )
    assert await migrate.wait() == 0
    return url


def start_server(database_url: str, port: int, directory: Path, log: IO[str]) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WORKERS": "2",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


async def scrape(base: str) -> Samples:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return parse(response.text)


async def wait_for(base: str, condition, seconds: float = 60) -> Samples:
    samples: Samples = {}
    for _ in range(int(seconds * 5)):
        try:
            samples = await scrape(base)
            if condition(samples):
                return samples
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out; last scrape: {samples}")


def worker_pids(samples: Samples) -> set[int]:
    return {
        int(dict(labels)["pid"])
        for (name, labels) in samples
        if name == "process_resident_memory_bytes"
    }


async def healthz_requests(base: str, count: int) -> None:
    """`count` requests, each on a fresh connection, eight at a time: any worker may answer."""

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/healthz")).status_code == 200

    for start in range(0, count, 8):
        await asyncio.gather(*(one() for _ in range(min(8, count - start))))


async def test_two_workers_count_every_request_whichever_answers_the_scrape(
    db, backend, request, tmp_path
):
    database_url = await database_for(backend, request, tmp_path)
    directory = tmp_path / "metrics"
    stale_counts(directory)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    server = start_server(database_url, port, directory, log)
    try:
        up = await wait_for(base, lambda s: s.get(("siyu_workers", ())) == 2.0)
        assert len(worker_pids(up)) == 2
        assert HEALTHZ not in up  # the stale file was removed at start
        assert not (directory / "counter_999999.db").exists()

        # Requests until both workers have answered some (each one's file says so).
        sent = 0
        while sent < 800:
            await healthz_requests(base, 40)
            sent += 40
            by_worker = healthz_by_worker(directory)
            if sum(1 for count in by_worker.values() if count > 0) == 2:
                break
        assert sorted(count > 0 for count in by_worker.values()) == [True, True]
        assert sum(by_worker.values()) == sent

        scrapes = [await scrape(base) for _ in range(6)]
        assert [s[HEALTHZ] for s in scrapes] == [float(sent)] * 6
        assert all(worker_pids(s) == worker_pids(up) for s in scrapes)
        histogram_count = (
            "siyu_http_request_seconds_count",
            (("method", "GET"), ("route", "/healthz")),
        )
        assert scrapes[-1][histogram_count] == float(sent)
        scrapes_counted = (
            "siyu_http_requests_total",
            (("method", "GET"), ("route", "/metrics"), ("status", "200")),
        )
        assert scrapes[-1][scrapes_counted] >= 6

        if backend == "postgres":  # both workers' pools, summed
            pools = await wait_for(
                base,
                lambda s: (
                    s.get(("siyu_db_pool_max", (("connection", "default"),)))
                    == 2.0 * POOL_MAX_PER_WORKER
                ),
            )
            in_use = pools[("siyu_db_pool_in_use", (("connection", "default"),))]
            assert 0 <= in_use <= 2 * POOL_MAX_PER_WORKER
        else:  # SQLite has no pool
            assert not any(name.startswith("siyu_db_pool") for name, _ in scrapes[-1])

        # A worker killed: its counts stay, its gauges go, its replacement is reported.
        killed = sorted(worker_pids(up))[0]
        os.kill(killed, signal.SIGKILL)
        after = await wait_for(
            base,
            lambda s: s.get(("siyu_workers", ())) == 2.0 and killed not in worker_pids(s),
        )
        assert after[HEALTHZ] == float(sent)
        assert len(worker_pids(after)) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
