"""Racing work from several OS processes at once (PostgreSQL concurrency tests).

Each worker process reads its job (one JSON line) on stdin, sets itself up (imports, database
pool, app), prints READY and waits; once every worker is ready the parent sends GO to all of
them, so the racing part starts at the same moment without a fixed head start.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_postgres(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")


def read_job() -> dict:
    """Worker side: the job the parent sent."""
    return json.loads(sys.stdin.readline())


async def wait_for_go() -> None:
    """Worker side: report ready, then block until the parent says GO."""
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def run_workers(module: str, jobs: list[dict]) -> list:
    """Start one `python -m module` per job, release them together, return their results."""
    processes = []
    for job in jobs:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        process.stdin.write(json.dumps(job).encode() + b"\n")
        await process.stdin.drain()
        processes.append(process)
    for process in processes:
        ready = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        if ready.strip() != b"READY":
            _, stderr = await process.communicate()
            raise AssertionError(stderr.decode()[-3000:])
    for process in processes:
        process.stdin.write(b"GO\n")
        await process.stdin.drain()
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    results = []
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr.decode()[-3000:]
        results.append(json.loads(stdout))
    return results


async def race(
    database_url: str, shares: list[list[dict]], config: dict | None = None
) -> list[dict]:
    """Each share of HTTP requests goes to its own process; all fire at the same moment.
    `config` overrides the workers' app settings (e.g. a fake provider's address)."""
    jobs = [
        {"database_url": database_url, "requests": share, "config": config or {}}
        for share in shares
    ]
    return [
        answer
        for answers in await run_workers("tests.support.race_worker", jobs)
        for answer in answers
    ]
