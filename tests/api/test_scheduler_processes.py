"""Two `siyu serve` processes on one PostgreSQL database (SPEC 15): one leads, each job runs once
per interval, and when the leader is killed the other takes over once its lease has expired,
without running again what the dead leader already ran this interval."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from typing import IO

from domain.ops.models import JobRun, SchedulerLease
from domain.settings.service import update_settings
from tests.support.racing import ROOT, require_postgres

LEASE_SECONDS = 2
FAST_JOBS = ("cancel-unpaid", "expire-coupons")  # every second here; the others daily


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, log: IO[str]) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(free_port()),
        "SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


async def runs() -> list[JobRun]:
    return await JobRun.filter(trigger="SCHEDULER").order_by("started_at", "id")


async def wait_for(condition, seconds: float) -> list[JobRun]:
    for _ in range(int(seconds * 5)):
        current = await runs()
        if condition(current):
            return current
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out; runs so far: {[(r.job, r.holder) for r in current]}")


def pid_of(holder: str) -> int:
    return int(holder.split(":")[1])


def assert_once_per_interval(all_runs: list[JobRun]) -> None:
    for job in FAST_JOBS:
        starts = [r.started_at for r in all_runs if r.job == job]
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        assert all(gap >= timedelta(seconds=1) for gap in gaps), (job, gaps)
    for job in {r.job for r in all_runs} - set(FAST_JOBS):
        assert [r.job for r in all_runs].count(job) == 1, job


async def test_two_servers_run_each_job_once_per_interval_and_a_killed_leader_is_replaced(
    db, backend, request, tmp_path
):
    require_postgres(backend)
    postgres_database_url = request.getfixturevalue("postgres_database_url")
    await update_settings(
        [(f"scheduler.{job.replace('-', '_')}_every_seconds", "1") for job in FAST_JOBS],
        "test",
    )
    logs = [(tmp_path / f"server{i}.log").open("w") for i in (1, 2)]
    servers = [start_server(postgres_database_url, log) for log in logs]
    try:
        # Both up, one leading: a fast job has run three times.
        before = await wait_for(
            lambda found: [r.job for r in found].count(FAST_JOBS[0]) >= 3, seconds=60
        )
        assert len({r.holder for r in before}) == 1
        leader = before[0].holder
        assert pid_of(leader) in {server.pid for server in servers}
        assert_once_per_interval(before)

        os.kill(pid_of(leader), signal.SIGKILL)
        lease = await SchedulerLease.get(name="scheduler")
        assert lease.holder == leader

        after = await wait_for(
            lambda found: (
                [r.holder for r in found].count(found[-1].holder) >= 2
                and found[-1].holder != leader
            ),
            seconds=30,
        )
        successor = after[-1].holder
        taken_over = [r for r in after if r.holder == successor]
        assert pid_of(successor) != pid_of(leader)
        assert {r.holder for r in after} == {leader, successor}
        assert taken_over[0].started_at >= lease.expires_at
        assert {r.job for r in taken_over} == set(FAST_JOBS)  # daily jobs already ran today
        assert_once_per_interval(after)
    finally:
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for log in logs:
            log.close()
