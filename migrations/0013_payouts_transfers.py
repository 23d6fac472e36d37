from tortoise import migrations
from tortoise.migrations import operations as ops
from distribution.models import WithdrawalStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_wechat')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PayeeNameReveal',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('distributor_id', fields.BigIntField(db_index=True)),
                ('withdrawal_id', fields.BigIntField(null=True)),
                ('staff_id', fields.BigIntField()),
                ('reason', fields.CharField(default='', max_length=200)),
                ('revealed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payee_name_reveal', 'app': 'models', 'pk_attr': 'id', 'table_description': "Audit: an HQ_ADMIN saw a payee's real name in full (SPEC 13: personal data)."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Distributor',
            name='real_name_encrypted',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Distributor',
            name='real_name_masked',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AlterField(
            model_name='Withdrawal',
            name='status',
            field=fields.CharEnumField(default=WithdrawalStatus.PENDING_REVIEW, description='PENDING_REVIEW: PENDING_REVIEW\nAPPROVED: APPROVED\nPAYING: PAYING\nAWAITING_PAYEE: AWAITING_PAYEE\nPAID: PAID\nFAILED: FAILED\nREJECTED: REJECTED\nRELEASED: RELEASED\nCANCELLED: CANCELLED\nEXPIRED: EXPIRED', enum_type=WithdrawalStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='cancel_requested',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='package_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='package_info',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='real_name_encrypted',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='real_name_masked',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='transfer_bill_no',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='transfer_checked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='transfer_started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Withdrawal',
            name='transfer_state',
            field=fields.CharField(null=True, max_length=20),
        ),
    ]
