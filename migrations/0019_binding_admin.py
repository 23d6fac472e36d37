from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

# Visits and share touches keep their link id without a foreign-key constraint. Why: on
# PostgreSQL the constraint's check takes a KEY SHARE lock on the link's row for every visit;
# a crowd visiting one link at once turns those locks (and the funnel counters' update of the
# same row) into MultiXacts, whose bookkeeping cost PostgreSQL more CPU than the rest of the
# visit (measured with perf: GetMultiXactIdMembers, 37% of PostgreSQL's time, bench/visits.py).
# Links are never deleted, and every visit writes the id of the link it has just read.
# SQLite keeps the constraints: dropping one means rebuilding the table, and SQLite, one
# writer at a time, has no such locks.
FOREIGN_KEYS = (("share_visit", "share_visit_link_id_fkey"), ("share_touch", "share_touch_link_id_fkey"))


def _postgres(schema_editor) -> bool:
    return schema_editor.client.capabilities.dialect == "postgres"


async def drop_link_constraints(apps, schema_editor) -> None:
    if _postgres(schema_editor):
        for table, name in FOREIGN_KEYS:
            await schema_editor.client.execute_script(
                f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"'
            )


async def restore_link_constraints(apps, schema_editor) -> None:
    if _postgres(schema_editor):
        for table, name in FOREIGN_KEYS:
            await schema_editor.client.execute_script(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("link_id")'
                ' REFERENCES "share_link" ("id") ON DELETE CASCADE'
            )


class Migration(migrations.Migration):
    dependencies = [("models", "0018_guide_tasks")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Distributor",
            name="ranking_opt_in",
            field=fields.BooleanField(default=False, null=True),
        ),
        ops.AddField(
            model_name="ReferralBinding",
            name="note",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name="ReferralBinding",
            name="ended_by",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="ReferralBinding",
            name="end_note",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AlterField(
            model_name="ShareTouch",
            name="link",
            field=fields.ForeignKeyField(
                "models.ShareLink",
                source_field="link_id",
                db_constraint=False,
                to_field="id",
                related_name="touches",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AlterField(
            model_name="ShareVisit",
            name="link",
            field=fields.ForeignKeyField(
                "models.ShareLink",
                source_field="link_id",
                db_constraint=False,
                to_field="id",
                related_name="visit_rows",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.RunPython(drop_link_constraints, restore_link_constraints),
    ]
