from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.orders.models import RefundStatus, ReturnMethod
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0015_storefront")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RefundReason",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("code", fields.CharField(unique=True, max_length=32)),
                ("text_zh", fields.CharField(max_length=60)),
                ("text_en", fields.CharField(max_length=120)),
                ("position", fields.IntField(default=0)),
                ("active", fields.BooleanField(default=True)),
                ("updated_by", fields.CharField(max_length=64)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "refund_reason",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A reason a member can pick when asking for a refund (退款原因), edited by HQ. Reasons are",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Refund",
            name="status",
            field=fields.CharEnumField(
                default=RefundStatus.REQUESTED,
                description="REQUESTED: REQUESTED\nREJECTED: REJECTED\nPROCESSING: PROCESSING\nREFUNDED: REFUNDED\nABNORMAL: ABNORMAL\nCLOSED: CLOSED\nAWAITING_RETURN: AWAITING_RETURN",
                enum_type=RefundStatus,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Refund",
            name="initiated_by",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Refund",
            name="reason_code",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name="Refund",
            name="return_carrier",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name="Refund",
            name="return_method",
            field=fields.CharEnumField(
                null=True,
                description="EXPRESS: EXPRESS\nSTORE: STORE",
                enum_type=ReturnMethod,
                max_length=8,
            ),
        ),
        ops.AddField(
            model_name="Refund",
            name="return_received_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Refund",
            name="return_received_by",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Refund",
            name="return_recorded_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Refund",
            name="return_tracking_number",
            field=fields.CharField(null=True, max_length=40),
        ),
    ]
