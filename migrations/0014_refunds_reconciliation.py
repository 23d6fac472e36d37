from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.orders.models import RefundResolution, RefundStatus
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_scheduler')]

    initial = False

    operations = [
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
