"""Racing requests from several OS processes at once (PostgreSQL concurrency tests)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_postgres(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")


async def race(database_url: str, shares: list[list[dict]]) -> list[dict]:
    """Each share of requests goes to its own process; all start at the same moment."""
    start_at = time.time() + 3.0
    processes = []
    for share in shares:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.race_worker",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        job = {"database_url": database_url, "start_at": start_at, "requests": share}
        processes.append((process, json.dumps(job).encode()))
    outputs = await asyncio.gather(*(p.communicate(data) for p, data in processes))
    results: list[dict] = []
    for (process, _), (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr.decode()[-3000:]
        results.extend(json.loads(stdout))
    return results
