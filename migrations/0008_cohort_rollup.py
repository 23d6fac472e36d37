from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Frozen (issue 11): the backfill is this migration's own SQL, as the rollup was when it was
# written, not an import of live code (the next rollup column would break a fresh migrate).
_HORIZONS = (30, 90, 180)


def backfill_sql(postgres: bool) -> str:
    """What each member paid within 30, 90 and 180 days of joining, from their paid orders."""

    def within(days: int) -> str:
        if postgres:
            return f"o.paid_at < m.created_at + interval '{days} days'"
        return f"julianday(o.paid_at) < julianday(m.created_at) + {days}"

    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN {within(days)} THEN o.payable_fen ELSE 0 END), 0)"
        for days in _HORIZONS
    )
    columns = ", ".join(f"paid_{days}d_fen" for days in _HORIZONS)
    return (
        f"INSERT INTO member_cohort_value (member_id, {columns}) SELECT m.id, {sums}"
        ' FROM member m JOIN "order" o ON o.member_id = m.id AND o.paid_at IS NOT NULL'
        f" AND {within(_HORIZONS[-1])} GROUP BY m.id"
    )


async def backfill_cohort_values(apps, schema_editor) -> None:
    """Sum every member's paid orders into the new rollup, in the migration's transaction."""
    client = schema_editor.client
    await client.execute_query("DELETE FROM member_cohort_value")
    await client.execute_query(backfill_sql(client.capabilities.dialect == "postgres"))


async def nothing_to_undo(apps, schema_editor) -> None:
    """The table is dropped right after."""

class Migration(migrations.Migration):
    dependencies = [('models', '0007_report_rollups')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberCohortValue',
            fields=[
                ('member_id', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('paid_30d_fen', fields.BigIntField(default=0)),
                ('paid_90d_fen', fields.BigIntField(default=0)),
                ('paid_180d_fen', fields.BigIntField(default=0)),
            ],
            options={'table': 'member_cohort_value', 'app': 'models', 'pk_attr': 'member_id', 'table_description': "What a member paid within 30, 90 and 180 days of joining (orders' payable when paid,"},
            bases=['Model'],
        ),
        ops.RunPython(backfill_cohort_values, nothing_to_undo),
    ]
