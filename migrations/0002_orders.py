from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.orders.models import Fulfilment, OrderChannel, OrderStatus, RefundStatus
from domain.payments.models import PaymentStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=24)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=OrderStatus.PENDING_PAYMENT, description='PENDING_PAYMENT: PENDING_PAYMENT\nPAID: PAID\nSHIPPED: SHIPPED\nREADY_FOR_PICKUP: READY_FOR_PICKUP\nCOMPLETED: COMPLETED\nCANCELLED: CANCELLED\nCLOSED: CLOSED', enum_type=OrderStatus, max_length=16)),
                ('fulfilment', fields.CharEnumField(description='DELIVERY: DELIVERY\nPICKUP: PICKUP', enum_type=Fulfilment, max_length=8)),
                ('address', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('pickup_store_id', fields.BigIntField(null=True)),
                ('pickup_code', fields.CharField(null=True, max_length=8)),
                ('goods_fen', fields.BigIntField()),
                ('tier_discount_fen', fields.BigIntField(default=0)),
                ('coupon_discount_fen', fields.BigIntField(default=0)),
                ('points_used', fields.BigIntField(default=0)),
                ('shipping_fen', fields.BigIntField(default=0)),
                ('payable_fen', fields.BigIntField()),
                ('coupon_id', fields.BigIntField(null=True)),
                ('idempotency_key', fields.CharField(max_length=64)),
                ('request_hash', fields.CharField(max_length=64)),
                ('channel', fields.CharEnumField(default=OrderChannel.MINI_PROGRAM, description='MINI_PROGRAM: MINI_PROGRAM\nSHARE_LINK: SHARE_LINK\nGUIDE_ASSISTED: GUIDE_ASSISTED\nSTORE_QR: STORE_QR\nCAMPAIGN: CAMPAIGN', enum_type=OrderChannel, max_length=16)),
                ('placed_by_staff_id', fields.BigIntField(null=True)),
                ('share_code', fields.CharField(null=True, max_length=32)),
                ('service_store_id', fields.BigIntField(null=True)),
                ('service_guide_id', fields.BigIntField(null=True)),
                ('attribution', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('carrier', fields.CharField(null=True, max_length=32)),
                ('tracking_number', fields.CharField(null=True, max_length=64)),
                ('cancel_reason', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('pay_deadline', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('shipped_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'order', 'app': 'models', 'unique_together': (('member', 'idempotency_key'),), 'indexes': [Index(fields=['member_id', 'created_at', 'id'], name='order_member_created'), Index(fields=['status', 'pay_deadline'], name='order_status_deadline'), Index(fields=['status', 'shipped_at'], name='order_status_shipped'), Index(fields=['service_store_id', 'created_at'], name='order_store_created')], 'pk_attr': 'id', 'table_description': '`attribution` is the immutable snapshot of SPEC 8.4, the columns beside it are its keys'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('line', fields.IntField()),
                ('sku_id', fields.BigIntField()),
                ('product_id', fields.BigIntField()),
                ('category_id', fields.BigIntField()),
                ('title', fields.CharField(max_length=120)),
                ('specs', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('commission_enabled', fields.BooleanField()),
                ('unit_price_fen', fields.BigIntField()),
                ('quantity', fields.IntField()),
                ('amount_fen', fields.BigIntField()),
                ('tier_discount_fen', fields.BigIntField(default=0)),
                ('coupon_discount_fen', fields.BigIntField(default=0)),
                ('points_discount_fen', fields.BigIntField(default=0)),
                ('paid_fen', fields.BigIntField()),
                ('refunded_fen', fields.BigIntField(default=0)),
                ('restocked_quantity', fields.IntField(default=0)),
                ('refund_open', fields.BooleanField(default=False)),
            ],
            options={'table': 'order_item', 'app': 'models', 'unique_together': (('order', 'line'),), 'pk_attr': 'id', 'table_description': 'Snapshots of what was bought and how each discount fell on it. `paid_fen` (shipping'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE)),
                ('provider', fields.CharField(max_length=16)),
                ('out_trade_no', fields.CharField(unique=True, max_length=32)),
                ('amount_fen', fields.BigIntField()),
                ('status', fields.CharEnumField(default=PaymentStatus.PENDING, description='PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nCLOSED: CLOSED', enum_type=PaymentStatus, max_length=10)),
                ('transaction_id', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentNotification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=16)),
                ('out_trade_no', fields.CharField(null=True, max_length=32)),
                ('outcome', fields.CharField(max_length=24)),
                ('detail', fields.CharField(default='', max_length=200)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payment_notification', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every notification received, accepted or refused, for audit (no personal data in it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('models.OrderItem', source_field='item_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.CASCADE)),
                ('amount_fen', fields.BigIntField()),
                ('reason', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=RefundStatus.REQUESTED, description='REQUESTED: REQUESTED\nREJECTED: REJECTED\nREFUNDED: REFUNDED', enum_type=RefundStatus, max_length=10)),
                ('out_refund_no', fields.CharField(unique=True, max_length=32)),
                ('reviewed_by', fields.CharField(null=True, max_length=64)),
                ('review_note', fields.CharField(null=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refund', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An after-sale request on one item. At most one open request per item at a time.'},
            bases=['Model'],
        ),
    ]
