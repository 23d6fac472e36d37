from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# Frozen on purpose: plain SQL over the tables as they are at this migration, nothing imported
# from the services, so a later model change cannot break `siyu migrate` on a fresh database.
GUIDE_DISTRIBUTORS = """
INSERT INTO distributor
    (kind, status, member_id, staff_id, store_id, upline_id, ancestry, display_name, shop_name,
     created_at, updated_at)
SELECT 'GUIDE', 'ACTIVE', NULL, s.id, s.store_id, NULL, '/',
    COALESCE(NULLIF(s.display_name, ''), s.username), NULL, s.created_at, s.created_at
FROM staff s
WHERE s.role = 'GUIDE' AND s.status = 'ACTIVE'
    AND NOT EXISTS (SELECT 1 FROM distributor d WHERE d.staff_id = s.id)
ORDER BY s.id
"""


async def backfill_guide_distributors(apps, schema_editor) -> None:
    """Every active guide is a distributor (SPEC 6): guides created before their distributor
    was made with them get it now, ACTIVE, dated from the guide's creation. Guides who left
    need none (no links, nothing to earn); a guide's existing distributor is left as it is.
    Idempotent."""
    await schema_editor.client.execute_query(GUIDE_DISTRIBUTORS)


async def nothing_to_undo(apps, schema_editor) -> None:
    """The rows are what the services now create with every guide: they stay."""


class Migration(migrations.Migration):
    dependencies = [('models', '0008_cohort_rollup')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='ShareVisit',
            name='share_visit_link_member',
            fields=None,
        ),
        ops.AddIndex(
            model_name='ShareVisit',
            index=Index(fields=['link_id', 'member_id', 'visited_at'], name='share_visit_link_member'),
        ),
        ops.RunPython(backfill_guide_distributors, nothing_to_undo),
    ]
