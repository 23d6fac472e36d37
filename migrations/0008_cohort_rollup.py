from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

from distribution.reports.rollups import rebuild_cohort_values


async def backfill_cohort_values(apps, schema_editor) -> None:
    """Sum every member's paid orders into the new rollup, in the migration's transaction."""
    await rebuild_cohort_values(schema_editor.client)


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
