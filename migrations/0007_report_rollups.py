from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

from distribution.reports.rollups import rebuild_commission_days


async def backfill_commission_days(apps, schema_editor) -> None:
    """Sum the existing ledger into the new rollup, in the migration's transaction."""
    await rebuild_commission_days(schema_editor.client)


async def empty_commission_days(apps, schema_editor) -> None:
    """Nothing to undo: the table is dropped right after."""

class Migration(migrations.Migration):
    dependencies = [('models', '0006_report_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CommissionDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('account_id', fields.BigIntField()),
                ('role', fields.CharField(default='', max_length=16)),
                ('accrued_fen', fields.BigIntField(default=0)),
                ('cancelled_fen', fields.BigIntField(default=0)),
                ('settled_fen', fields.BigIntField(default=0)),
                ('clawed_back_fen', fields.BigIntField(default=0)),
                ('withdrawn_fen', fields.BigIntField(default=0)),
                ('adjusted_fen', fields.BigIntField(default=0)),
            ],
            options={'table': 'commission_day', 'app': 'models', 'unique_together': (('day', 'account_id', 'role'),), 'indexes': [Index(fields=['day', 'account_id', 'role', 'accrued_fen', 'cancelled_fen', 'settled_fen', 'clawed_back_fen', 'withdrawn_fen', 'adjusted_fen'], name='commission_day_covering')], 'pk_attr': 'id', 'table_description': 'What the ledger moved per Asia/Shanghai business day, account and entry role, in the'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='CommissionEntry',
            index=Index(fields=['status', 'created_at', 'account_id', 'role', 'amount_fen'], name='commission_entry_pending'),
        ),
        ops.RemoveIndex(
            model_name='LedgerEntry',
            name='ledger_created',
            fields=None,
        ),
        ops.RunPython(backfill_commission_days, empty_commission_days),
    ]
