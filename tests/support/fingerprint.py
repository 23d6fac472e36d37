"""A cheap fingerprint of the whole database, to assert that a refused request wrote nothing.

Table names come from the models, never from input: the SQL below is built from them alone.
"""

from __future__ import annotations

from tortoise.context import require_context


def _tables() -> list[str]:
    apps = require_context().apps
    assert apps is not None
    return sorted(model._meta.db_table for model in apps.get_models_iterable())


async def row_counts() -> dict[str, int]:
    """The number of rows of every table, read in one statement."""
    tables = _tables()
    counts = ", ".join(
        f'(SELECT COUNT(*) FROM "{t}") AS c{i}'  # noqa: S608
        for i, t in enumerate(tables)
    )
    _, rows = await require_context().db().execute_query(f"SELECT {counts}")
    return {table: int(rows[0][f"c{i}"]) for i, table in enumerate(tables)}


async def table_contents() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (one statement per table), for small test databases: it also
    sees updates, which row counts do not."""
    db = require_context().db()
    contents = {}
    for table in _tables():
        _, rows = await db.execute_query(f'SELECT * FROM "{table}"')  # noqa: S608
        contents[table] = sorted(tuple(map(repr, dict(row).values())) for row in rows)
    return contents
