"""`after_commit` (domain/db.py): what the metrics count happens once the business operation
has committed, never for one rolled back, a savepoint included."""

from __future__ import annotations

import pytest

from domain.db import after_commit, transaction


class Boom(Exception):
    pass


async def test_a_hook_runs_once_the_outermost_transaction_commits(db):
    ran: list[str] = []
    async with transaction():
        after_commit(lambda: ran.append("outer"))
        async with transaction():
            after_commit(lambda: ran.append("inner"))
        assert ran == []  # the inner block only joined the outer one
    assert ran == ["outer", "inner"]


async def test_a_rolled_back_transaction_runs_none_of_its_hooks(db):
    ran: list[str] = []
    with pytest.raises(Boom):
        async with transaction():
            after_commit(lambda: ran.append("outer"))
            raise Boom
    assert ran == []


async def test_a_savepoint_rolled_back_drops_only_its_own_hooks(db):
    ran: list[str] = []
    async with transaction():
        after_commit(lambda: ran.append("kept"))
        with pytest.raises(Boom):
            async with transaction():
                after_commit(lambda: ran.append("dropped"))
                raise Boom
    assert ran == ["kept"]


async def test_outside_a_transaction_a_hook_runs_at_once(db):
    ran: list[str] = []
    after_commit(lambda: ran.append("now"))
    assert ran == ["now"]


async def test_a_failing_hook_neither_undoes_the_commit_nor_stops_the_others(db, caplog):
    ran: list[str] = []

    def failing() -> None:
        raise RuntimeError("a counter broke")

    async with transaction():
        after_commit(failing)
        after_commit(lambda: ran.append("next"))
    assert ran == ["next"]
    assert "after-commit hook failed" in caplog.text
