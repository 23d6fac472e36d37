from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0023_catalog_version")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PosterImage",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("sha256", fields.CharField(unique=True, max_length=64)),
                ("content_type", fields.CharField(max_length=16)),
                ("width", fields.IntField()),
                ("height", fields.IntField()),
                ("data", fields.BinaryField()),
                ("uploaded_by", fields.CharField(max_length=64)),
                (
                    "created_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "poster_image",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An image HQ uploaded (a poster background): the service's own storage, so composing a",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PosterRender",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("link_id", fields.BigIntField()),
                ("template_id", fields.BigIntField()),
                ("fingerprint", fields.CharField(unique=True, max_length=64)),
                ("template_version", fields.IntField()),
                ("price_fen", fields.BigIntField()),
                ("png", fields.BinaryField()),
                ("made_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "poster_render",
                "app": "models",
                "unique_together": (("link_id", "template_id"),),
                "pk_attr": "id",
                "table_description": "The composed poster of one link and one template: one row per pair, replaced when the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PosterTemplate",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("name", fields.CharField(max_length=40)),
                ("background_id", fields.BigIntField()),
                ("width", fields.IntField()),
                ("height", fields.IntField()),
                (
                    "boxes",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("enabled", fields.BooleanField(default=True)),
                ("version", fields.IntField(default=1)),
                ("updated_by", fields.CharField(max_length=64)),
                (
                    "created_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=False),
                ),
                (
                    "updated_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "poster_template",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A poster layout: a background and the boxes drawn on it (`boxes`: box name → x, y,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RemoteImage",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("url", fields.CharField(unique=True, max_length=512)),
                ("content_type", fields.CharField(max_length=16)),
                ("data", fields.BinaryField()),
                (
                    "fetched_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "poster_remote_image",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An image fetched from an allowed host (a product image, an avatar), kept so that a",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="ShareTouch",
            name="poster_template_id",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="ShareVisit",
            name="poster_template_id",
            field=fields.BigIntField(null=True),
        ),
    ]
