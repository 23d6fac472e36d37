from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from loyalty.audience.models import Lifecycle, ValueLevel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_loyalty')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberAudience',
            fields=[
                ('member_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('paid_orders', fields.IntField(default=0)),
                ('last_paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('spend_fen', fields.BigIntField(default=0, description='Net of refunds, all time.')),
                ('orders_365', fields.IntField(default=0)),
                ('spend_365_fen', fields.BigIntField(default=0)),
                ('lifecycle', fields.CharEnumField(default=Lifecycle.NEW, description='NEW: NEW\nFIRST_PURCHASE: FIRST_PURCHASE\nREPEAT: REPEAT\nAT_RISK: AT_RISK\nCHURNED: CHURNED', enum_type=Lifecycle, max_length=16)),
                ('value', fields.CharEnumField(default=ValueLevel.LOW, description='HIGH: HIGH\nMID: MID\nLOW: LOW', enum_type=ValueLevel, max_length=4)),
                ('koc_candidate', fields.BooleanField(default=False)),
                ('refreshed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_audience', 'app': 'models', 'indexes': [Index(fields=['lifecycle', 'member_id'], name='member_audience_lifecycle'), Index(fields=['value', 'member_id'], name='member_audience_value'), Index(fields=['last_paid_at'], name='member_audience_last_paid'), Index(fields=['spend_fen'], name='member_audience_spend')], 'pk_attr': 'member_id', 'table_description': "A member's paid-order stats and system tags, as of `refreshed_at`. Kept by order events"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Segment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('rules', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_by', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'segment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A saved member filter (see `loyalty.audience.filters.AudienceFilter` for `rules`).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=32)),
                ('created_by', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tag', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A manual tag that staff put on members (孕期, 敏感肌).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberTag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('tag', fields.ForeignKeyField('models.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name='member_tags', on_delete=OnDelete.CASCADE)),
                ('added_by', fields.CharField(max_length=64)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_tag', 'app': 'models', 'unique_together': (('member_id', 'tag'),), 'indexes': [Index(fields=['tag_id', 'member_id'], name='member_tag_by_tag')], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
