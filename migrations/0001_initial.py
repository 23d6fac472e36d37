from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.catalog.models import ProductStatus
from domain.members.models import AcquisitionChannel, Gender, MemberStatus
from domain.org.models import StaffRole, StaffStatus, StoreKind, StoreStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=32)),
                ('parent', fields.ForeignKeyField('models.Category', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.CASCADE)),
                ('sort_order', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'category', 'app': 'models', 'unique_together': (('parent', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginFailure',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(max_length=64)),
                ('ip', fields.CharField(max_length=64)),
                ('failed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_failure', 'app': 'models', 'indexes': [Index(fields=['username', 'ip', 'failed_at'])], 'pk_attr': 'id', 'table_description': 'One failed staff login for a (username, ip) pair: five in 15 minutes lock the pair.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('nickname', fields.CharField(default='', max_length=64)),
                ('avatar_url', fields.CharField(default='', max_length=512)),
                ('gender', fields.CharEnumField(default=Gender.UNKNOWN, description='UNKNOWN: UNKNOWN\nMALE: MALE\nFEMALE: FEMALE', enum_type=Gender, max_length=8)),
                ('birthday', fields.DateField(null=True)),
                ('region', fields.CharField(default='', max_length=64)),
                ('phone', fields.CharField(null=True, unique=True, max_length=20)),
                ('status', fields.CharEnumField(default=MemberStatus.ACTIVE, description='ACTIVE: ACTIVE\nMERGED: MERGED', enum_type=MemberStatus, max_length=8)),
                ('merged_into_id', fields.BigIntField(null=True)),
                ('token_version', fields.IntField(default=1)),
                ('source_channel', fields.CharEnumField(default=AcquisitionChannel.MINI_PROGRAM, description='MINI_PROGRAM: MINI_PROGRAM\nSHARE_LINK: SHARE_LINK\nSTORE_QR: STORE_QR\nOFFLINE_SIGNUP: OFFLINE_SIGNUP\nCAMPAIGN: CAMPAIGN', enum_type=AcquisitionChannel, max_length=16)),
                ('source_store_id', fields.BigIntField(null=True, db_index=True)),
                ('source_guide_id', fields.BigIntField(null=True, db_index=True)),
                ('source_distributor_id', fields.BigIntField(null=True)),
                ('source_share_code', fields.CharField(null=True, max_length=32)),
                ('source_campaign', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberIdentity',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='identities', on_delete=OnDelete.CASCADE)),
                ('provider', fields.CharField(max_length=16)),
                ('app_id', fields.CharField(max_length=64)),
                ('openid', fields.CharField(max_length=128)),
                ('unionid', fields.CharField(null=True, db_index=True, max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_identity', 'app': 'models', 'unique_together': (('provider', 'app_id', 'openid'),), 'pk_attr': 'id', 'table_description': 'A login identity: (provider, app_id, openid) is unique, unionid ties apps of one brand.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberMerge',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survivor', fields.ForeignKeyField('models.Member', source_field='survivor_id', db_constraint=True, to_field='id', related_name='absorbed_merges', on_delete=OnDelete.CASCADE)),
                ('absorbed', fields.ForeignKeyField('models.Member', source_field='absorbed_id', db_constraint=True, to_field='id', related_name='survivor_merges', on_delete=OnDelete.CASCADE)),
                ('actor', fields.CharField(max_length=64)),
                ('moved', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_merge', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who was merged into whom, when, by what, and how many of each belonging moved.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('description', fields.TextField(default='', unique=False)),
                ('images', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('category', fields.ForeignKeyField('models.Category', source_field='category_id', db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=ProductStatus.DRAFT, description='DRAFT: DRAFT\nON_SALE: ON_SALE\nOFF_SALE: OFF_SALE', enum_type=ProductStatus, max_length=8)),
                ('commission_enabled', fields.BooleanField(default=True)),
                ('min_price_fen', fields.BigIntField(default=0)),
                ('sales_count', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'product', 'app': 'models', 'indexes': [Index(fields=['status', 'created_at', 'id'], name='product_status_created'), Index(fields=['status', 'min_price_fen', 'id'], name='product_status_price'), Index(fields=['status', 'sales_count', 'id'], name='product_status_sales'), Index(fields=['category_id', 'status'], name='product_category_status')], 'pk_attr': 'id', 'table_description': '`min_price_fen` and `sales_count` are kept by the services for list sorting and filters.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('family', fields.CharField(db_index=True, max_length=32)),
                ('audience', fields.CharField(max_length=8)),
                ('subject_id', fields.BigIntField()),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('rotated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An opaque refresh token, stored as its SHA-256 only. Rotated on every use: a family is'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevokedAccessToken',
            fields=[
                ('jti', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'revoked_access_token', 'app': 'models', 'pk_attr': 'jti', 'table_description': 'Access tokens ended early by logout, kept until they would have expired anyway.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Setting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.TextField(unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'setting', 'app': 'models', 'pk_attr': 'key', 'table_description': "Values are JSON text: Tortoise's JSONField would take a bare string for encoded JSON."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SettingChange',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(db_index=True, max_length=64)),
                ('old_value', fields.TextField(unique=False)),
                ('new_value', fields.TextField(unique=False)),
                ('actor', fields.CharField(max_length=64)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'setting_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row per changed key: who changed what from which value to which, and when.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Sku',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='skus', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('specs', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('price_fen', fields.BigIntField()),
                ('list_price_fen', fields.BigIntField(null=True)),
                ('stock', fields.BigIntField(default=0)),
                ('commission_l1_fen', fields.BigIntField(null=True)),
                ('commission_l2_fen', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sku', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A sellable variant. Fixed per-unit commissions, when set, override level-1/2 rules.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Store',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(description='DIRECT: DIRECT\nFRANCHISE: FRANCHISE', enum_type=StoreKind, max_length=16)),
                ('region', fields.CharField(default='', max_length=64)),
                ('address', fields.CharField(default='', max_length=255)),
                ('latitude', fields.FloatField(null=True)),
                ('longitude', fields.FloatField(null=True)),
                ('status', fields.CharEnumField(default=StoreStatus.ACTIVE, description='ACTIVE: ACTIVE\nCLOSED: CLOSED', enum_type=StoreStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'store', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Staff',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(default='', max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharEnumField(description='HQ_ADMIN: HQ_ADMIN\nHQ_FINANCE: HQ_FINANCE\nHQ_OPERATOR: HQ_OPERATOR\nSTORE_MANAGER: STORE_MANAGER\nGUIDE: GUIDE', enum_type=StaffRole, max_length=16)),
                ('store', fields.ForeignKeyField('models.Store', source_field='store_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=StaffStatus.ACTIVE, description='ACTIVE: ACTIVE\nLEFT: LEFT', enum_type=StaffStatus, max_length=8)),
                ('token_version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tier',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=8)),
                ('name', fields.CharField(max_length=32)),
                ('threshold_growth', fields.BigIntField(unique=True)),
                ('discount_bp', fields.IntField()),
                ('points_multiplier_bp', fields.IntField()),
                ('free_shipping', fields.BooleanField(default=False)),
            ],
            options={'table': 'tier', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberLoyalty',
            fields=[
                ('member_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('growth', fields.BigIntField(default=0)),
                ('tier', fields.ForeignKeyField('models.Tier', source_field='tier_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_loyalty', 'app': 'models', 'pk_attr': 'member_id', 'table_description': "A member's growth and current tier (a member without a row is at the lowest tier)."},
            bases=['Model'],
        ),
    ]
