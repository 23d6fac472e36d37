from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.orders.models import RefundResolution, RefundStatus
from domain.payments.models import BillKind, BillSubject, DifferenceKind, RunStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_payouts_transfers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReconciliationRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=16)),
                ('bill_date', fields.DateField()),
                ('kind', fields.CharEnumField(description='TRADE: TRADE\nFUND_FLOW: FUND_FLOW', enum_type=BillKind, max_length=10)),
                ('status', fields.CharEnumField(default=RunStatus.RUNNING, description='RUNNING: RUNNING\nDONE: DONE\nFAILED: FAILED', enum_type=RunStatus, max_length=8)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lines', fields.IntField(default=0)),
                ('differences', fields.IntField(default=0)),
                ('income_fen', fields.BigIntField(default=0)),
                ('expense_fen', fields.BigIntField(default=0)),
                ('failure', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'reconciliation_run', 'app': 'models', 'unique_together': (('provider', 'bill_date', 'kind'),), 'pk_attr': 'id', 'table_description': "One provider's bill of one day, reconciled once (unique): the claim two processes race"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BillLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('models.ReconciliationRun', source_field='run_id', db_constraint=True, to_field='id', related_name='bill_lines', on_delete=OnDelete.CASCADE)),
                ('subject', fields.CharEnumField(description='PAYMENT: PAYMENT\nREFUND: REFUND\nTOTAL: TOTAL', enum_type=BillSubject, max_length=8)),
                ('reference', fields.CharField(max_length=64)),
                ('out_trade_no', fields.CharField(max_length=32)),
                ('amount_fen', fields.BigIntField()),
                ('state', fields.CharField(max_length=16)),
            ],
            options={'table': 'bill_line', 'app': 'models', 'indexes': [Index(fields=['run_id', 'subject', 'reference'])], 'pk_attr': 'id', 'table_description': "A trade bill's line while its run compares it (deleted when the run is done): the bill"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReconciliationDifference',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run', fields.ForeignKeyField('models.ReconciliationRun', source_field='run_id', db_constraint=True, to_field='id', related_name='found', on_delete=OnDelete.CASCADE)),
                ('bill_date', fields.DateField()),
                ('kind', fields.CharEnumField(description='MISSING_IN_SIYU: MISSING_IN_SIYU\nMISSING_IN_BILL: MISSING_IN_BILL\nAMOUNT: AMOUNT\nSTATE: STATE', enum_type=DifferenceKind, max_length=16)),
                ('subject', fields.CharEnumField(description='PAYMENT: PAYMENT\nREFUND: REFUND\nTOTAL: TOTAL', enum_type=BillSubject, max_length=8)),
                ('reference', fields.CharField(max_length=64)),
                ('siyu_fen', fields.BigIntField(null=True)),
                ('bill_fen', fields.BigIntField(null=True)),
                ('siyu_state', fields.CharField(null=True, max_length=16)),
                ('bill_state', fields.CharField(null=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolved_by', fields.CharField(null=True, max_length=64)),
                ('resolution_note', fields.CharField(null=True, max_length=200)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reconciliation_difference', 'app': 'models', 'indexes': [Index(fields=['resolved_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One thing the bill and siyu disagree on, for finance to look into and resolve with a'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Refund',
            name='status',
            field=fields.CharEnumField(default=RefundStatus.REQUESTED, description='REQUESTED: REQUESTED\nREJECTED: REJECTED\nPROCESSING: PROCESSING\nREFUNDED: REFUNDED\nABNORMAL: ABNORMAL\nCLOSED: CLOSED', enum_type=RefundStatus, max_length=10),
        ),
        ops.AddField(
            model_name='Refund',
            name='finished_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Refund',
            name='provider_refund_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Refund',
            name='resolution',
            field=fields.CharEnumField(null=True, description='REFUNDED_OFFLINE: REFUNDED_OFFLINE\nRETRIED: RETRIED\nABANDONED: ABANDONED', enum_type=RefundResolution, max_length=16),
        ),
        ops.AddField(
            model_name='Refund',
            name='resolution_note',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Refund',
            name='resolved_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Refund',
            name='resolved_by',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Refund',
            name='submitted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Refund',
            index=Index(fields=['status', 'submitted_at']),
        ),
    ]
