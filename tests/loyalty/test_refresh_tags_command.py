"""`siyu jobs refresh-tags --now ISO` acts as of the given moment (SPEC 15), on a migrated file."""

from datetime import timedelta

import pytest
from tortoise.context import TortoiseContext

from api.cli import jobs, migrate
from api.config import AppConfig
from domain.db import tortoise_config
from loyalty.audience.models import Lifecycle, MemberAudience
from tests.support.audience import NOW, member_with_orders


async def test_the_command_ages_members_as_of_now(tmp_path, backend, capsys):
    if backend != "sqlite":
        pytest.skip(
            "the command's parsing is backend-independent; PostgreSQL runs of the job are "
            "in test_audience_concurrency"
        )
    config = AppConfig(database_url=f"sqlite://{tmp_path}/jobs.db")
    assert await migrate(config) == 0
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(config.database_url))
        member_id = await member_with_orders(200, 90)

    later = (NOW + timedelta(days=91)).astimezone().isoformat()
    assert await jobs(config, ["refresh-tags"], NOW.isoformat()) == 0
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(config.database_url))
        at_now = (await MemberAudience.get(member_id=member_id)).lifecycle
    assert await jobs(config, ["refresh-tags"], later) == 0
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(config.database_url))
        at_later = (await MemberAudience.get(member_id=member_id)).lifecycle

    assert (at_now, at_later) == (Lifecycle.REPEAT, Lifecycle.CHURNED)
    assert capsys.readouterr().out.count("refresh-tags: 1") == 2
