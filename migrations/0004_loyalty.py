from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from loyalty.models import CouponKind, CouponScope, CouponSource, CouponStatus, GrowthReason, LotSource, PointsKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_distribution')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CouponTemplate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(description='AMOUNT_OFF: AMOUNT_OFF\nPERCENT_OFF: PERCENT_OFF\nFREE_SHIPPING: FREE_SHIPPING', enum_type=CouponKind, max_length=16)),
                ('amount_fen', fields.BigIntField(default=0)),
                ('percent_off_bp', fields.IntField(default=0)),
                ('threshold_fen', fields.BigIntField(default=0)),
                ('cap_fen', fields.BigIntField(default=0, description='PERCENT_OFF at most this much, 0 = none')),
                ('scope', fields.CharEnumField(default=CouponScope.ALL, description='ALL: ALL\nCATEGORIES: CATEGORIES\nPRODUCTS: PRODUCTS', enum_type=CouponScope, max_length=16)),
                ('scope_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('total_stock', fields.BigIntField()),
                ('stock_left', fields.BigIntField()),
                ('per_member_limit', fields.IntField(default=1)),
                ('valid_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_days', fields.IntField(null=True)),
                ('public', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'coupon_template', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A kind of coupon HQ hands out. `stock_left` is decremented by a guarded update per'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('template', fields.ForeignKeyField('models.CouponTemplate', source_field='template_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.CASCADE)),
                ('member_id', fields.BigIntField()),
                ('seq', fields.IntField()),
                ('source', fields.CharEnumField(description='CLAIM: CLAIM\nISSUE: ISSUE\nWELCOME: WELCOME\nNEW_CUSTOMER: NEW_CUSTOMER', enum_type=CouponSource, max_length=16)),
                ('status', fields.CharEnumField(default=CouponStatus.AVAILABLE, description='AVAILABLE: AVAILABLE\nLOCKED: LOCKED\nUSED: USED\nEXPIRED: EXPIRED', enum_type=CouponStatus, max_length=10)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('order_id', fields.BigIntField(null=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'coupon', 'app': 'models', 'unique_together': (('template', 'member_id', 'seq'),), 'indexes': [Index(fields=['member_id', 'status', 'id'], name='coupon_member_status'), Index(fields=['status', 'valid_until'], name='coupon_status_until')], 'pk_attr': 'id', 'table_description': "One member's coupon. `seq` numbers a member's coupons of one template from 1 to the"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GrowthRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('reason', fields.CharEnumField(description='EARN: EARN\nREVERSE: REVERSE', enum_type=GrowthReason, max_length=8)),
                ('delta', fields.BigIntField()),
                ('order_id', fields.BigIntField(null=True)),
                ('item_id', fields.BigIntField(null=True)),
                ('earned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'growth_record', 'app': 'models', 'indexes': [Index(fields=['member_id', 'earned_at'], name='growth_member_earned')], 'pk_attr': 'id', 'table_description': "One change of a member's growth. `earned_at` is when the growth was first earned (a"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ItemReward',
            fields=[
                ('item_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_id', fields.BigIntField(db_index=True)),
                ('member_id', fields.BigIntField()),
                ('base_fen', fields.BigIntField(description='Paid minus refunded when the order completed.')),
                ('refunded_at_earn_fen', fields.BigIntField()),
                ('growth', fields.BigIntField()),
                ('growth_reversed', fields.BigIntField(default=0)),
                ('points', fields.BigIntField()),
                ('points_reversed', fields.BigIntField(default=0)),
                ('lot_id', fields.BigIntField(null=True)),
                ('earned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'item_reward', 'app': 'models', 'pk_attr': 'item_id', 'table_description': 'What an order item earned when its order completed, and how much of it refunds have'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsLot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('source', fields.CharEnumField(description='EARN: EARN\nADJUST: ADJUST', enum_type=LotSource, max_length=8)),
                ('amount', fields.BigIntField()),
                ('remaining', fields.BigIntField()),
                ('expired', fields.BigIntField(default=0)),
                ('order_id', fields.BigIntField(null=True)),
                ('item_id', fields.BigIntField(null=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'points_lot', 'app': 'models', 'indexes': [Index(fields=['member_id', 'expires_at', 'id'], name='points_lot_member_expiry'), Index(fields=['expires_at', 'remaining'], name='points_lot_expiry')], 'pk_attr': 'id', 'table_description': 'Points earned together, expiring together. `remaining` counts while `expires_at` is in'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsSpend',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('order_id', fields.BigIntField(db_index=True)),
                ('item_id', fields.BigIntField(db_index=True)),
                ('lot_id', fields.BigIntField()),
                ('amount', fields.BigIntField()),
                ('returned', fields.BigIntField(default=0)),
            ],
            options={'table': 'points_spend', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Which lot paid how many points of which order item: refunds and cancellations give'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsTransaction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('kind', fields.CharEnumField(description='EARN: EARN\nSPEND: SPEND\nRETURN: RETURN\nREVERSE: REVERSE\nEXPIRE: EXPIRE\nADJUST: ADJUST', enum_type=PointsKind, max_length=8)),
                ('delta', fields.BigIntField()),
                ('order_id', fields.BigIntField(null=True)),
                ('item_id', fields.BigIntField(null=True)),
                ('lot_id', fields.BigIntField(null=True)),
                ('note', fields.CharField(default='', max_length=200)),
                ('actor', fields.CharField(default='system', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'points_transaction', 'app': 'models', 'indexes': [Index(fields=['member_id', 'created_at', 'id'], name='points_tx_member')], 'pk_attr': 'id', 'table_description': "Every change of a member's points, as the member sees it: `delta` is signed."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='MemberLoyalty',
            name='tier_growth',
            field=fields.BigIntField(default=0),
        ),
    ]
