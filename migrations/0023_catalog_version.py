from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0022_shipping")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CatalogVersion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("version", fields.BigIntField(default=0)),
            ],
            options={
                "table": "catalog_version",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One row (id 1): a counter every change to what the storefront shows bumps in the",
            },
            bases=["Model"],
        ),
    ]
