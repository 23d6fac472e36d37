from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.notifications.models import NoticeKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [("models", "0020_guide_customers")]

    initial = False

    operations = [
        ops.CreateModel(
            name='SubscriptionQuota',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('template_id', fields.CharField(max_length=64)),
                ('remaining', fields.IntField(default=0)),
                ('accepted', fields.IntField(default=0)),
                ('rejected', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'subscription_quota', 'app': 'models', 'unique_together': (('member_id', 'template_id'),), 'pk_attr': 'id', 'table_description': 'How many messages of `template_id` the member has allowed (one per accepted'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffNotice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff_id', fields.BigIntField()),
                ('kind', fields.CharEnumField(description='REFUND_REQUESTED: REFUND_REQUESTED\nWITHDRAWAL_REVIEW: WITHDRAWAL_REVIEW\nDISTRIBUTOR_APPLICATION: DISTRIBUTOR_APPLICATION\nJOB_FAILED: JOB_FAILED\nDEAD_LETTER: DEAD_LETTER', enum_type=NoticeKind, max_length=24)),
                ('key', fields.CharField(max_length=120)),
                ('store_id', fields.BigIntField(null=True)),
                ('title', fields.CharField(max_length=64)),
                ('body', fields.CharField(max_length=200)),
                ('subject', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('unread', fields.IntField(default=1)),
            ],
            options={'table': 'staff_notice', 'app': 'models', 'unique_together': (('staff_id', 'kind', 'key'),), 'indexes': [Index(fields=['staff_id', 'unread', 'id'], name='staff_notice_inbox')], 'pk_attr': 'id', 'table_description': 'One notice in one staff member\'s inbox. `store_id` is the store it concerns (None for'},
            bases=['Model'],
        ),
    ]
