"""The `siyu` command: serve, migrate, makemigrations, schema, jobs, check-ledger,
rebuild-report-rollups, persisted-queries, demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from tortoise import Tortoise

from api.config import AppConfig, ConfigError
from api.logs import configure
from domain.db import tortoise_config


async def _with_database(config: AppConfig, work: Callable[[], Awaitable[int]]) -> int:
    await Tortoise.init(config=tortoise_config(config.database_url), _create_db=False)
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


async def migrate(config: AppConfig) -> int:
    from tortoise.migrations.api import migrate as run_migrations

    from distribution.commission.rules import ensure_default_plan
    from loyalty.tiers import ensure_default_tiers

    _ensure_sqlite_directory(config.database_url)
    await run_migrations(config=tortoise_config(config.database_url))
    await Tortoise.close_connections()
    await _with_database(config, _seed_reference_data(ensure_default_tiers))
    await _with_database(config, _seed_reference_data(ensure_default_plan))
    print("migrations applied")
    return 0


def _seed_reference_data(seed: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        await seed()
        return 0

    return run


def _ensure_sqlite_directory(database_url: str) -> None:
    from pathlib import Path

    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        path = database_url.removeprefix("sqlite://").split("?")[0]
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def pending_model_changes(config: AppConfig) -> list[str]:
    """Names of the migrations `makemigrations` would write: empty when models and
    migrations agree."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    tortoise = tortoise_config(config.database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise, init_connections=False)
        detector = MigrationAutodetector(ctx.apps, tortoise["apps"])
        return [writer.name for writer in await detector.changes()]


async def makemigrations(config: AppConfig, name: str | None) -> int:
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector
    from tortoise.migrations.writer import format_migration_name

    tortoise = tortoise_config(config.database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise, init_connections=False)
        writers = await MigrationAutodetector(ctx.apps, tortoise["apps"]).changes()
    for writer in writers:
        if name:
            writer.name = format_migration_name(int(writer.name.split("_", 1)[0]), name)
        print(f"created {writer.write()}")
    if not writers:
        print("no changes")
    return 0


async def demo(config: AppConfig, if_empty: bool) -> int:
    from api.demo import load_demo_data

    async def run() -> int:
        await load_demo_data(if_empty=if_empty)
        return 0

    return await _with_database(config, run)


async def jobs(config: AppConfig, names: list[str], now: str | None) -> int:
    from datetime import datetime

    from api.jobs import JOBS, process_name, run_recorded
    from api.payouts.setup import install_payouts
    from api.plugins import install_plugins
    from domain import clock

    unknown = [n for n in names if n not in JOBS]
    if unknown:
        print(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    install_plugins()
    install_payouts(config)  # poll-transfers asks WeChat
    moment = datetime.fromisoformat(now) if now else None
    if moment is not None and moment.tzinfo is None:
        print("--now needs a timezone, e.g. 2026-11-22T08:00:00+08:00", file=sys.stderr)
        return 2
    # Jobs that talk to the payment provider (refund polling, bills) need it registered;
    # drain-outbox sends shipping info and messages, refresh-carriers and reconcile-shipping
    # ask WeChat.
    from api.app import build_wechat, start_notifications, start_payments
    from api.wechat import shipping

    payments = start_payments(config)
    wechat = build_wechat(config)
    shipping.install(wechat, config.wechat_pay_mch_id)
    start_notifications(wechat)

    async def run() -> int:
        """Each job recorded like the scheduler's runs; a failure is reported and the others
        still run, and the exit status is 1 so cron notices."""
        failed = False
        for name in names or list(JOBS):
            record = await run_recorded(
                name, moment or clock.now(), trigger="COMMAND", holder=process_name()
            )
            if record.error is None:
                print(f"{name}: {record.changed}")
            else:
                failed = True
                print(f"{name} failed: {record.error}", file=sys.stderr)
        return 1 if failed else 0

    try:
        return await _with_database(config, run)
    finally:
        await payments.aclose()
        if wechat is not None:
            await wechat.aclose()


async def check_ledger(config: AppConfig) -> int:
    """The commission books: every account's balances against its ledger sums, and the
    `commission_day` rollup against a GROUP BY over the ledger. Exit 1 listing every
    inconsistency, else 0. Read-only; safe on a live database (a move landing between the
    two reads can show as a transient mismatch: run it again before repairing)."""
    from distribution.ledger import check_ledger as find_mismatches
    from distribution.reports.rollups import FIGURES, check_commission_days

    async def run() -> int:
        accounts = await find_mismatches()
        for m in accounts:
            print(
                f"account {m.account_id}: balances (pending, available, withdrawing, withdrawn)"
                f" {m.balances} != ledger sums {m.ledger}"
            )
        days = await check_commission_days()
        for d in days:
            print(
                f"commission_day {d.day} account {d.account_id} role {d.role!r}:"
                f" rollup ({', '.join(FIGURES)}) {d.rollup} != ledger {d.ledger}"
            )
        if accounts or days:
            print(
                f"ledger check FAILED: {len(accounts)} account(s) and {len(days)}"
                " commission_day row(s) differ (`siyu rebuild-report-rollups` repairs the rollup)",
                file=sys.stderr,
            )
            return 1
        print(
            "ledger OK: every account's balances equal its ledger sums"
            " and commission_day equals the ledger"
        )
        return 0

    return await _with_database(config, run)


async def rebuild_report_rollups(config: AppConfig) -> int:
    """Recompute the report rollups from the rows they summarise, in one transaction (a repair
    tool: the migrations backfill them and every write keeps them). Idempotent."""
    from distribution.reports.rollups import rebuild_report_rollups as rebuild
    from domain.db import transaction

    async def run() -> int:
        async with transaction():
            await rebuild()
        print("report rollups rebuilt from the ledger and the paid orders")
        return 0

    return await _with_database(config, run)


def export_schema() -> int:
    """Write the printed SDL of both schemas; a test fails when the committed files drift."""
    from api.schema import write_schemas

    for path in write_schemas():
        print(f"wrote {path}")
    return 0


def uvicorn_options(config: AppConfig) -> dict[str, Any]:
    """uvicorn's settings for `siyu serve`. Its own proxy handling is off: it would believe
    `X-Forwarded-For` from loopback by default; the app decides whom to believe
    (`FORWARDED_ALLOW_IPS`, api/clients.py)."""
    return {
        "host": config.host,
        "port": config.port,
        "workers": config.workers,
        "log_level": config.log_level.lower(),
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
    }


def serve(config: AppConfig) -> int:
    """uvicorn with the app; each worker's lifespan starts a scheduler (one of them leads)
    unless SCHEDULER=off. Several workers share their metrics through a directory (api/metrics.py):
    `PROMETHEUS_MULTIPROC_DIR` when given (cleaned now), else a fresh temporary one, removed
    when the server stops."""
    fresh = _metrics_directory(config.workers)
    try:
        uvicorn.run("api.app:create_app", factory=True, **uvicorn_options(config))
    finally:
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
    return 0


def _metrics_directory(workers: int) -> str | None:
    """Set up the workers' metrics directory; the path to remove at exit when made here.

    The workers inherit the variable and, importing the metrics, write their values there. One
    worker without the variable keeps them in memory, as a plain process does."""
    from api.metrics import MULTIPROC_VARIABLE, prepare_multiprocess_directory

    given = os.environ.get(MULTIPROC_VARIABLE)
    if given:
        prepare_multiprocess_directory(given, serving_here=workers == 1)
        return None
    if workers == 1:
        return None
    fresh = tempfile.mkdtemp(prefix="siyu-metrics-")
    os.environ[MULTIPROC_VARIABLE] = fresh
    return fresh


def write_persisted_queries(files: list[str], out: str) -> int:
    """The manifest PERSISTED_QUERIES_MANIFEST names, from the mini-program's operations; a
    document the shop schema refuses stops the deploy here rather than in production."""
    from pathlib import Path

    from api.graphql.persisted import ManifestError, manifest_json, operations_of
    from api.shop.schema import schema

    try:
        operations = operations_of(files, schema._schema)
    except ManifestError as error:
        print(f"not written: {error}", file=sys.stderr)
        return 1
    Path(out).write_text(manifest_json(operations) + "\n", encoding="utf-8")
    print(f"{len(operations)} operations written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="siyu", description="siyu service commands")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the API with uvicorn")
    serve_parser.add_argument("--host")
    serve_parser.add_argument("--port", type=int)
    serve_parser.add_argument("--workers", type=int)
    commands.add_parser("migrate", help="apply database migrations and reference data")
    make = commands.add_parser("makemigrations", help="write migrations for model changes")
    make.add_argument("--name")
    commands.add_parser("schema", help="write api/schema/shop.graphql and admin.graphql")
    from api.jobs import JOBS

    jobs_parser = commands.add_parser(
        "jobs",
        help="run periodic jobs: " + "; ".join(f"{k} ({v[1]})" for k, v in JOBS.items()),
    )
    jobs_parser.add_argument("names", nargs="*", help="default: all, in the order listed")
    jobs_parser.add_argument("--now", help="act as of this ISO time (with timezone)")
    commands.add_parser(
        "check-ledger", help="verify balances and the commission rollup against the ledger"
    )
    commands.add_parser(
        "rebuild-report-rollups", help="recompute the report rollups from ledger and orders"
    )
    persisted = commands.add_parser(
        "persisted-queries",
        help="write the shop's persisted query manifest (allow-list mode) from .graphql files",
    )
    persisted.add_argument("files", nargs="+", help="one named operation per file")
    persisted.add_argument("--out", required=True, help="the manifest file to write")
    demo_parser = commands.add_parser("demo", help="load demo data")
    demo_parser.add_argument("--if-empty", action="store_true", help="only into an empty database")
    args = parser.parse_args(argv)

    overrides = {
        k: v for k, v in vars(args).items() if k in ("host", "port", "workers") and v is not None
    }
    try:
        config = AppConfig(**overrides)
        config.check()
    except ConfigError as error:
        print(f"configuration refused: {error}", file=sys.stderr)
        return 2
    configure(config.log_level)
    if args.command == "jobs":
        return asyncio.run(jobs(config, args.names, args.now))
    if args.command == "check-ledger":
        return asyncio.run(check_ledger(config))
    if args.command == "rebuild-report-rollups":
        return asyncio.run(rebuild_report_rollups(config))
    if args.command == "schema":
        return export_schema()
    if args.command == "persisted-queries":
        return write_persisted_queries(args.files, args.out)
    if args.command == "serve":
        return serve(config)
    if args.command == "migrate":
        return asyncio.run(migrate(config))
    if args.command == "makemigrations":
        return asyncio.run(makemigrations(config, args.name))
    return asyncio.run(demo(config, args.if_empty))


if __name__ == "__main__":
    sys.exit(main())
