from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.outbox.models import OutboxState
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0016_refund_reasons")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("topic", fields.CharField(max_length=40)),
                ("key", fields.CharField(max_length=160)),
                (
                    "payload",
                    fields.JSONField(
                        encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=OutboxState.PENDING,
                        description="PENDING: PENDING\nSENT: SENT\nSKIPPED: SKIPPED\nDEAD: DEAD",
                        enum_type=OutboxState,
                        max_length=8,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("due_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("lease_token", fields.CharField(null=True, max_length=32)),
                ("reason", fields.CharField(null=True, max_length=300)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "outbox_message",
                "app": "models",
                "unique_together": (("topic", "key"),),
                "indexes": [
                    Index(fields=["topic", "state", "due_at"]),
                    Index(fields=["state", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "A message waiting for (or done by) the sender of its topic.",
            },
            bases=["Model"],
        ),
    ]
