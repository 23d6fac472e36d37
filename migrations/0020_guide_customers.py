from tortoise import migrations
from tortoise.migrations import operations as ops
from distribution.follow_ups.models import FollowUpChannel, FollowUpOutcome
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [("models", "0019_binding_admin")]

    initial = False

    operations = [
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('author_id', fields.BigIntField(description='The Staff who recorded it.')),
                ('store_id', fields.BigIntField(null=True, description="The author's store.")),
                ('channel', fields.CharEnumField(description='CALL: CALL\nWECOM: WECOM\nIN_STORE: IN_STORE\nOTHER: OTHER', enum_type=FollowUpChannel, max_length=12)),
                ('outcome', fields.CharEnumField(description='REACHED: REACHED\nNO_ANSWER: NO_ANSWER\nINTERESTED: INTERESTED\nNOT_INTERESTED: NOT_INTERESTED\nPURCHASE_PROMISED: PURCHASE_PROMISED', enum_type=FollowUpOutcome, max_length=20)),
                ('note', fields.TextField(default='', unique=False)),
                ('next_date', fields.DateField(null=True, description='When to follow up again (Shanghai).')),
                ('credit_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'follow_up', 'app': 'models', 'indexes': [Index(fields=['member_id', 'created_at', 'id'], name='follow_up_member'), Index(fields=['created_at', 'author_id'], name='follow_up_created'), Index(fields=['author_id', 'next_date'], name='follow_up_author_next')], 'pk_attr': 'id', 'table_description': 'One follow-up of a member by a staff member. Orders the member pays from `created_at`'},
            bases=['Model'],
        ),
    ]
