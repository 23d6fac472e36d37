from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.wechat.models import CodeKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_scheduler')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WechatAccessToken',
            fields=[
                ('app_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('token', fields.CharField(default='', max_length=1024)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lease_holder', fields.CharField(default='', max_length=64)),
                ('refreshed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_access_token', 'app': 'models', 'pk_attr': 'app_id', 'table_description': 'The server API access token of one WeChat app (mini-program now, WeCom later), shared by'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='LINK: LINK\nSTORE: STORE', enum_type=CodeKind, max_length=8)),
                ('scene', fields.CharField(max_length=32)),
                ('page', fields.CharField(default='', max_length=128)),
                ('png', fields.BinaryField(null=True)),
                ('etag', fields.CharField(default='', max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lease_holder', fields.CharField(default='', max_length=64)),
                ('retry_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('made_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_code', 'app': 'models', 'unique_together': (('kind', 'scene'),), 'pk_attr': 'id', 'table_description': 'A 小程序码 PNG made once per (kind, scene) and served from here forever after.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatPushMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('dedup_key', fields.CharField(unique=True, max_length=160)),
                ('msg_type', fields.CharField(max_length=32)),
                ('event', fields.CharField(default='', max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_push_message', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A message WeChat pushed and siyu handled, keyed as WeChat advises for de-duplication:'},
            bases=['Model'],
        ),
    ]
