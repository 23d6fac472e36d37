from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from distribution.content.models import ContentTarget
from json import dumps, loads
from loyalty.models import CouponSource
from loyalty.workbench.models import BatchState, TaskKind, TaskState
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0017_outbox")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ContentItem",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("title", fields.CharField(max_length=64)),
                ("share_text", fields.TextField(unique=False)),
                (
                    "images",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "target",
                    fields.CharEnumField(
                        description="PRODUCT: PRODUCT\nCAMPAIGN: CAMPAIGN",
                        enum_type=ContentTarget,
                        max_length=8,
                    ),
                ),
                ("target_id", fields.BigIntField(null=True)),
                ("campaign", fields.CharField(null=True, max_length=64)),
                ("valid_from", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("valid_until", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("all_stores", fields.BooleanField(default=True)),
                ("created_by", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "content_item",
                "app": "models",
                "indexes": [
                    Index(fields=["valid_until", "valid_from"], name="content_item_window")
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContentItemStore",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ContentItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="store_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("store_id", fields.BigIntField()),
            ],
            options={
                "table": "content_item_store",
                "app": "models",
                "unique_together": (("item", "store_id"),),
                "indexes": [Index(fields=["store_id", "item_id"], name="content_item_store_store")],
                "pk_attr": "id",
                "table_description": "A store an item is meant for (when not for all stores).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContentLink",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ContentItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("distributor_id", fields.BigIntField()),
                ("guide_id", fields.BigIntField()),
                ("store_id", fields.BigIntField(null=True)),
                (
                    "link",
                    fields.ForeignKeyField(
                        "models.ShareLink",
                        source_field="link_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="content_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "content_link",
                "app": "models",
                "unique_together": (("item", "distributor_id"),),
                "indexes": [Index(fields=["guide_id", "item_id"], name="content_link_guide")],
                "pk_attr": "id",
                "table_description": "The one share link a distributor (a guide's) shares an item through.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContentShare",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ContentItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="shares",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("guide_id", fields.BigIntField()),
                ("store_id", fields.BigIntField(null=True)),
                ("link_id", fields.BigIntField()),
                ("shared_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "content_share",
                "app": "models",
                "indexes": [Index(fields=["guide_id", "shared_at"], name="content_share_guide")],
                "pk_attr": "id",
                "table_description": "One share act of an item by a guide.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GuideCoupon",
            fields=[
                (
                    "coupon_id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("guide_id", fields.BigIntField()),
                ("store_id", fields.BigIntField()),
                ("member_id", fields.BigIntField()),
                ("template_id", fields.BigIntField()),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "guide_coupon",
                "app": "models",
                "indexes": [Index(fields=["guide_id", "issued_at"], name="guide_coupon_guide")],
                "pk_attr": "coupon_id",
                "table_description": "The guide who issued a coupon (the coupon itself is an ordinary `Coupon`).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GuideCouponQuota",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("guide_id", fields.BigIntField()),
                ("template_id", fields.BigIntField()),
                ("month", fields.CharField(max_length=7)),
                ("issued", fields.IntField(default=0)),
            ],
            options={
                "table": "guide_coupon_quota",
                "app": "models",
                "unique_together": (("guide_id", "template_id", "month"),),
                "pk_attr": "id",
                "table_description": "How many coupons of a template a guide issued in a month (`YYYY-MM`, Shanghai): raised",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GuideCouponTemplate",
            fields=[
                (
                    "template_id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("monthly_quota", fields.IntField()),
                ("updated_by", fields.CharField(max_length=64)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "guide_coupon_template",
                "app": "models",
                "pk_attr": "template_id",
                "table_description": "A coupon template HQ lets guides issue, with each guide's quota per Shanghai month.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TaskBatch",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("segment_id", fields.BigIntField()),
                (
                    "store_id",
                    fields.BigIntField(
                        null=True, description="A store manager's batch: their store."
                    ),
                ),
                ("due_on", fields.DateField()),
                ("instructions", fields.TextField(unique=False)),
                ("coupon_template_id", fields.BigIntField(null=True)),
                (
                    "state",
                    fields.CharEnumField(
                        default=BatchState.RUNNING,
                        description="RUNNING: RUNNING\nDONE: DONE",
                        enum_type=BatchState,
                        max_length=8,
                    ),
                ),
                ("cursor_member_id", fields.BigIntField(default=0)),
                ("tasks_created", fields.IntField(default=0)),
                ("members_without_guide", fields.IntField(default=0)),
                ("created_by", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "guide_task_batch",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Tasks made from a segment, walked in member-id order: `cursor_member_id` is the last",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GuideTask",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="BATCH: BATCH\nBIRTHDAY: BIRTHDAY\nCOUPON_EXPIRING: COUPON_EXPIRING\nAFTER_SALE: AFTER_SALE\nAT_RISK: AT_RISK",
                        enum_type=TaskKind,
                        max_length=16,
                    ),
                ),
                (
                    "batch",
                    fields.ForeignKeyField(
                        "models.TaskBatch",
                        source_field="batch_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tasks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("reminder_key", fields.CharField(null=True, unique=True, max_length=64)),
                ("member_id", fields.BigIntField()),
                ("store_id", fields.BigIntField()),
                ("guide_id", fields.BigIntField()),
                ("due_on", fields.DateField()),
                ("instructions", fields.TextField(default="", unique=False)),
                ("coupon_template_id", fields.BigIntField(null=True)),
                (
                    "state",
                    fields.CharEnumField(
                        default=TaskState.OPEN,
                        description="OPEN: OPEN\nDONE: DONE\nSKIPPED: SKIPPED\nCLOSED: CLOSED",
                        enum_type=TaskState,
                        max_length=8,
                    ),
                ),
                ("outcome", fields.TextField(null=True, unique=False)),
                (
                    "follow_up_id",
                    fields.BigIntField(null=True, description="The follow-up the task produced."),
                ),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("reassigned_from_guide_id", fields.BigIntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "guide_task",
                "app": "models",
                "unique_together": (("batch", "member_id"),),
                "indexes": [
                    Index(fields=["guide_id", "state", "due_on", "id"], name="guide_task_guide"),
                    Index(fields=["store_id", "state", "due_on"], name="guide_task_store"),
                    Index(fields=["member_id", "state"], name="guide_task_member"),
                ],
                "pk_attr": "id",
                "table_description": "One customer to act on by `due_on` (a Shanghai date). OPEN until the guide marks it DONE",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Coupon",
            name="source",
            field=fields.CharEnumField(
                description="CLAIM: CLAIM\nISSUE: ISSUE\nWELCOME: WELCOME\nNEW_CUSTOMER: NEW_CUSTOMER\nGUIDE: GUIDE",
                enum_type=CouponSource,
                max_length=16,
            ),
        ),
    ]
