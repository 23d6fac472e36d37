from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0014_refunds_reconciliation")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Address",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("member_id", fields.BigIntField()),
                ("name", fields.CharField(max_length=32)),
                ("phone", fields.CharField(max_length=20)),
                ("region", fields.CharField(max_length=64)),
                ("detail", fields.CharField(max_length=200)),
                ("is_default", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "member_address",
                "app": "models",
                "indexes": [Index(fields=["member_id", "id"], name="member_address_member")],
                "pk_attr": "id",
                "table_description": "A delivery address of the member's book. Exactly one of a member's addresses is the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BrowsingRecord",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("member_id", fields.BigIntField()),
                (
                    "product",
                    fields.ForeignKeyField(
                        "models.Product",
                        source_field="product_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="browsing_records",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("viewed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "browsing_record",
                "app": "models",
                "unique_together": (("member_id", "product"),),
                "indexes": [
                    Index(fields=["member_id", "viewed_at", "id"], name="browsing_member_newest")
                ],
                "pk_attr": "id",
                "table_description": "A product the member opened, once per product (viewing it again moves `viewed_at`).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CartLine",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("member_id", fields.BigIntField()),
                (
                    "sku",
                    fields.ForeignKeyField(
                        "models.Sku",
                        source_field="sku_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cart_lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("quantity", fields.IntField()),
                ("selected", fields.BooleanField(default=True)),
                ("added_price_fen", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "cart_line",
                "app": "models",
                "unique_together": (("member_id", "sku"),),
                "pk_attr": "id",
                "table_description": "One SKU in a member's cart. `added_price_fen` is the SKU's price when the line was made",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Favourite",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("member_id", fields.BigIntField()),
                (
                    "product",
                    fields.ForeignKeyField(
                        "models.Product",
                        source_field="product_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="favourites",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "favourite",
                "app": "models",
                "unique_together": (("member_id", "product"),),
                "indexes": [
                    Index(fields=["member_id", "created_at", "id"], name="favourite_member_newest")
                ],
                "pk_attr": "id",
                "table_description": "A product the member keeps (收藏). Adding it again changes nothing.",
            },
            bases=["Model"],
        ),
    ]
