"""Migrations cover the models, and apply on a fresh database (PostgreSQL: see conftest)."""

import importlib
import secrets
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_to
from tortoise.models import Model

from api.cli import migrate, pending_model_changes
from api.config import AppConfig
from distribution.models import (
    AccountOwner,
    BeneficiaryRole,
    CommissionAccount,
    CommissionDay,
    CommissionEntry,
    LedgerEntry,
    LedgerKind,
    MemberCohortValue,
)
from distribution.reports.rollups import FIGURES, rebuild_report_rollups
from domain.catalog import service as catalog_service
from domain.db import MODEL_MODULES, tortoise_config, transaction
from domain.members.models import Member
from domain.orders.models import Order, OrderItem, OrderStatus
from loyalty.models import Tier
from tests.support.orders import unpaid_order


async def test_models_have_no_changes_that_no_migration_covers():
    assert await pending_model_changes(AppConfig(database_url="sqlite://:memory:")) == []


async def test_migrate_builds_a_fresh_sqlite_file_with_reference_data(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the PostgreSQL run builds its database with these migrations (conftest)")
    url = f"sqlite://{tmp_path}/fresh.db"

    assert await migrate(AppConfig(database_url=url)) == 0
    assert await migrate(AppConfig(database_url=url)) == 0  # a second run is a no-op

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        codes = await Tier.all().order_by("threshold_growth").values_list("code", flat=True)
    assert codes == ["V0", "V1", "V2", "V3"]


def test_model_docstrings_have_no_semicolons():
    """Tortoise turns model docstrings into table comments, and its SQLite migrations split
    statements on ';' (a semicolon in a docstring breaks `siyu migrate`)."""
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value is not Model:
                assert ";" not in (value.__doc__ or ""), value.__name__


async def _database_to_migrate(backend: str, tmp_path) -> tuple[str, str | None]:
    """A fresh, empty database: a file on SQLite, a scratch database on PostgreSQL (returned
    second, to be dropped)."""
    if backend == "sqlite":
        return f"sqlite://{tmp_path}/stepwise.db", None
    from tests.conftest import POSTGRES_URL, _server_and_name

    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    name = f"siyu_stepwise_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return _server_and_name(POSTGRES_URL, name), name


async def _drop(name: str | None) -> None:
    if name is not None:
        from tests.conftest import POSTGRES_URL

        connection = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def _no_version_yet() -> None:
    """Stands in for the catalog version's bump on a database migrated only to 0006."""


async def _business_before_the_rollups() -> None:
    """Orders and ledger rows as a database had them before 0007: written with the ORM, no
    service (services keep the rollups, whose tables do not exist yet). Times straddle a
    Shanghai midnight (16:00 UTC) and the cohort horizons."""
    joined = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    orders = []
    for days_after, payable in ((10, 1000), (60, 2000), (120, 4000), (200, 8000)):
        order = await unpaid_order(payable)
        await Member.filter(id=order.member_id).update(created_at=joined)
        paid_at = joined + timedelta(days=days_after)
        await Order.filter(id=order.id).update(status=OrderStatus.PAID, paid_at=paid_at)
        orders.append(order)
    await Order.filter(id=orders[1].id).update(member_id=orders[0].member_id)
    account = await CommissionAccount.create(
        owner_type=AccountOwner.DISTRIBUTOR, owner_id=7, created_at=joined
    )
    item = await OrderItem.get(order_id=orders[0].id)
    entry = await CommissionEntry.create(
        order_id=orders[0].id,
        item=item,
        account=account,
        role=BeneficiaryRole.LEVEL1,
        basis="RATE",
        original_fen=500,
        amount_fen=400,
        created_at=joined,
    )
    before_midnight = datetime(2026, 2, 1, 15, 59, tzinfo=UTC)  # 1 Feb, 23:59 in Shanghai
    after_midnight = datetime(2026, 2, 1, 16, 1, tzinfo=UTC)  # 2 Feb, 00:01 in Shanghai
    moves = (
        (LedgerKind.ACCRUE, before_midnight, entry.id, {"pending_delta": 500}),
        (LedgerKind.CANCEL, before_midnight, entry.id, {"pending_delta": -100}),
        (
            LedgerKind.SETTLE,
            after_midnight,
            entry.id,
            {"pending_delta": -400, "available_delta": 400},
        ),
        (LedgerKind.CLAWBACK, after_midnight, entry.id, {"available_delta": -50}),
        (
            LedgerKind.HOLD,
            after_midnight,
            None,
            {"available_delta": -300, "withdrawing_delta": 300},
        ),
        (
            LedgerKind.PAID,
            after_midnight,
            None,
            {"withdrawing_delta": -300, "withdrawn_delta": 300},
        ),
        (LedgerKind.ADJUST, after_midnight, None, {"pending_delta": 20, "available_delta": 30}),
    )
    for kind, moment, entry_id, deltas in moves:
        await LedgerEntry.create(
            account=account, kind=kind, entry_id=entry_id, actor="test", created_at=moment, **deltas
        )


async def _rollup_rows() -> tuple[list, list]:
    days = (
        await CommissionDay.all()
        .order_by("day", "role")
        .values_list("day", "account_id", "role", *FIGURES)
    )
    values = (
        await MemberCohortValue.all()
        .order_by("member_id")
        .values_list("member_id", "paid_30d_fen", "paid_90d_fen", "paid_180d_fen")
    )
    return days, values


async def test_the_frozen_backfills_of_0007_and_0008_equal_a_rebuild(
    tmp_path, backend, monkeypatch
):
    """Migrations 0007 and 0008 backfill the rollups with their own SQL: on a database that
    had business before them, they write the rows `siyu rebuild-report-rollups` writes."""
    # The catalog services bump the catalog version, whose table comes with 0022: the
    # catalog written here is older than that.
    monkeypatch.setattr(catalog_service, "bump_catalog_version", _no_version_yet)
    url, scratch = await _database_to_migrate(backend, tmp_path)
    try:
        await migrate_to(config=tortoise_config(url), target="models.0006_report_indexes")
        await Tortoise.close_connections()
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            await _business_before_the_rollups()
        await migrate_to(config=tortoise_config(url))
        await Tortoise.close_connections()
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            backfilled = await _rollup_rows()
            async with transaction():
                await rebuild_report_rollups()
            rebuilt = await _rollup_rows()
            account_id = await CommissionAccount.all().values_list("id", flat=True)
            member_ids = await Order.all().order_by("id").values_list("member_id", flat=True)
    finally:
        await _drop(scratch)

    assert backfilled == rebuilt
    days, values = backfilled
    assert days == [
        (date(2026, 2, 1), account_id[0], "LEVEL1", 500, 100, 0, 0, 0, 0),
        (date(2026, 2, 2), account_id[0], "", 0, 0, 0, 0, 300, 50),
        (date(2026, 2, 2), account_id[0], "LEVEL1", 0, 0, 400, 50, 0, 0),
    ]
    assert values == [
        (member_ids[0], 1000, 3000, 3000),
        (member_ids[2], 0, 0, 4000),
    ]
