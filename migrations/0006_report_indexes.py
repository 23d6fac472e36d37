from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_audience')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StoreTarget',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('store', fields.ForeignKeyField('models.Store', source_field='store_id', db_constraint=True, to_field='id', related_name='targets', on_delete=OnDelete.CASCADE)),
                ('month', fields.CharField(max_length=7)),
                ('new_members', fields.IntField(default=0)),
                ('sales_fen', fields.BigIntField(default=0)),
                ('distribution_sales_fen', fields.BigIntField(default=0)),
                ('updated_by', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'store_target', 'app': 'models', 'unique_together': (('store', 'month'),), 'pk_attr': 'id', 'table_description': "HQ's monthly targets for one store (month 'YYYY-MM' in Asia/Shanghai), the yardstick of"},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='CommissionEntry',
            index=Index(fields=['created_at', 'account_id', 'status', 'amount_fen'], name='commission_entry_created'),
        ),
        ops.AddIndex(
            model_name='LedgerEntry',
            index=Index(fields=['created_at', 'account_id', 'kind', 'pending_delta', 'available_delta', 'withdrawn_delta'], name='ledger_created'),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['paid_at', 'service_store_id', 'service_guide_id', 'level1_distributor_id', 'member_id', 'payable_fen'], name='order_paid'),
        ),
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['created_at', 'share_link_id', 'paid_at', 'payable_fen'], name='order_created'),
        ),
        ops.AddIndex(
            model_name='ReferralBinding',
            index=Index(fields=['valid_from', 'referrer_id', 'member_id'], name='referral_started'),
        ),
        ops.AddIndex(
            model_name='ShareVisit',
            index=Index(fields=['visited_at', 'link_id', 'member_id', 'outcome'], name='share_visit_visited'),
        ),
    ]
