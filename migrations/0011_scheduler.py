from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_order_capped_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="JobRun",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("job", fields.CharField(max_length=32)),
                ("trigger", fields.CharField(max_length=16)),
                ("holder", fields.CharField(max_length=128)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("changed", fields.IntField(null=True)),
                ("error", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "job_run",
                "app": "models",
                "indexes": [Index(fields=["job", "id"])],
                "pk_attr": "id",
                "table_description": "One run of a periodic job: by the scheduler or the `siyu jobs` command. `error` names",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ScheduledJob",
            fields=[
                (
                    "job",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("last_started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_succeeded", fields.BooleanField(default=True)),
            ],
            options={
                "table": "scheduled_job",
                "app": "models",
                "pk_attr": "job",
                "table_description": "When a periodic job last started (claimed by compare-and-set, so one run per interval",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SchedulerLease",
            fields=[
                (
                    "name",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("holder", fields.CharField(max_length=128)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "scheduler_lease",
                "app": "models",
                "pk_attr": "name",
                "table_description": "Who runs the periodic jobs now: one row per lease, held until `expires_at` and renewed",
            },
            bases=["Model"],
        ),
    ]
