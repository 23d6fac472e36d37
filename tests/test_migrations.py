"""Migrations cover the models, and apply on a fresh database (PostgreSQL: see conftest)."""

import importlib

import pytest
from tortoise.context import TortoiseContext
from tortoise.models import Model

from api.cli import migrate, pending_model_changes
from api.config import AppConfig
from domain.db import MODEL_MODULES, tortoise_config
from loyalty.models import Tier


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
