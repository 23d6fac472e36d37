from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

# Frozen (issue 11): the backfill is this migration's own SQL, as the rollup was when it was
# written, not an import of live code (the next rollup column would break a fresh migrate).
# Each ledger kind adds to one figure: (column, kind, sign, deltas).
_MOVES = (
    ('accrued_fen', 'ACCRUE', 1, 'l.pending_delta'),
    ('cancelled_fen', 'CANCEL', -1, 'l.pending_delta'),
    ('settled_fen', 'SETTLE', 1, 'l.available_delta'),
    ('clawed_back_fen', 'CLAWBACK', -1, 'l.available_delta'),
    ('withdrawn_fen', 'PAID', 1, 'l.withdrawn_delta'),
    ('adjusted_fen', 'ADJUST', 1, 'l.pending_delta + l.available_delta'),
)


def backfill_sql(postgres: bool) -> str:
    """Every reported ledger row summed per Asia/Shanghai business day, account and role."""
    if postgres:
        day = "CAST(l.created_at AT TIME ZONE 'Asia/Shanghai' AS DATE)"
    else:
        day = "date(l.created_at, '+8 hours')"
    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN l.kind = '{kind}' THEN {sign} * ({deltas}) ELSE 0 END), 0)"
        for _, kind, sign, deltas in _MOVES
    )
    kinds = ", ".join(f"'{kind}'" for _, kind, _, _ in _MOVES)
    columns = ", ".join(column for column, _, _, _ in _MOVES)
    return (
        f"INSERT INTO commission_day (day, account_id, role, {columns})"
        f" SELECT {day}, l.account_id, COALESCE(e.role, ''), {sums}"
        " FROM ledger_entry l LEFT JOIN commission_entry e ON e.id = l.entry_id"
        f" WHERE l.kind IN ({kinds}) GROUP BY {day}, l.account_id, COALESCE(e.role, '')"
    )


async def backfill_commission_days(apps, schema_editor) -> None:
    """Sum the existing ledger into the new rollup, in the migration's transaction."""
    client = schema_editor.client
    await client.execute_query("DELETE FROM commission_day")
    await client.execute_query(backfill_sql(client.capabilities.dialect == "postgres"))


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
