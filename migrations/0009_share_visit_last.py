from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

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
    ]
