from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0021_notifications")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DeliveryCompany",
            fields=[
                (
                    "delivery_id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("name", fields.CharField(max_length=120)),
                ("refreshed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "delivery_company",
                "app": "models",
                "pk_attr": "delivery_id",
                "table_description": "One of WeChat's delivery companies (运力): `delivery_id` is what an upload names as",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WechatOrderState",
            fields=[
                (
                    "order_id",
                    fields.BigIntField(generated=False, primary_key=True, unique=True, db_index=True),
                ),
                ("settled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("order_state", fields.SmallIntField(null=True)),
                ("checked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "wechat_order_state",
                "app": "models",
                "pk_attr": "order_id",
                "table_description": "What WeChat's shipping management says of an order's payment, once it has said anything:",
            },
            bases=["Model"],
        ),
    ]
