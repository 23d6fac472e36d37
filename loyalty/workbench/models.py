"""Guide tasks and guide-issued coupons (SPEC 22).

A task is one customer for one guide to act on: from a batch a store manager or HQ made from a
segment, or a reminder the daily job generated. Duplicates are impossible by constraint, not by
check: one task per (batch, member), one reminder per `reminder_key`.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class TaskKind(StrEnum):
    BATCH = "BATCH"
    BIRTHDAY = "BIRTHDAY"
    COUPON_EXPIRING = "COUPON_EXPIRING"
    AFTER_SALE = "AFTER_SALE"
    AT_RISK = "AT_RISK"


class TaskState(StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    SKIPPED = "SKIPPED"
    CLOSED = "CLOSED"


class BatchState(StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"


class TaskBatch(Model):
    """Tasks made from a segment, walked in member-id order: `cursor_member_id` is the last
    member whose chunk committed, so a batch interrupted half-way resumes where it stopped."""

    id = fields.BigIntField(primary_key=True)
    segment_id = fields.BigIntField()
    store_id = fields.BigIntField(null=True, description="A store manager's batch: their store.")
    due_on = fields.DateField()
    instructions = fields.TextField()
    coupon_template_id = fields.BigIntField(null=True)
    state = fields.CharEnumField(BatchState, max_length=8, default=BatchState.RUNNING)
    cursor_member_id = fields.BigIntField(default=0)
    tasks_created = fields.IntField(default=0)
    members_without_guide = fields.IntField(default=0)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "guide_task_batch"


class GuideTask(Model):
    """One customer to act on by `due_on` (a Shanghai date). OPEN until the guide marks it DONE
    (with an outcome and the follow-up it produced) or SKIPPED (with a reason), CLOSED when the
    customer left the guide for no guide at all (a move to another guide takes the task along)."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(TaskKind, max_length=16)
    batch = fields.ForeignKeyField("models.TaskBatch", related_name="tasks", null=True)
    reminder_key = fields.CharField(max_length=64, null=True, unique=True)
    member_id = fields.BigIntField()
    store_id = fields.BigIntField()
    guide_id = fields.BigIntField()
    due_on = fields.DateField()
    instructions = fields.TextField(default="")
    coupon_template_id = fields.BigIntField(null=True)
    state = fields.CharEnumField(TaskState, max_length=8, default=TaskState.OPEN)
    outcome = fields.TextField(null=True)
    follow_up_id = fields.BigIntField(null=True, description="The follow-up the task produced.")
    finished_at = fields.DatetimeField(null=True)
    reassigned_from_guide_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "guide_task"
        unique_together = (("batch", "member_id"),)
        indexes = (
            Index(fields=("guide_id", "state", "due_on", "id"), name="guide_task_guide"),
            Index(fields=("store_id", "state", "due_on"), name="guide_task_store"),
            Index(fields=("member_id", "state"), name="guide_task_member"),
        )


class GuideCouponTemplate(Model):
    """A coupon template HQ lets guides issue, with each guide's quota per Shanghai month."""

    template_id = fields.BigIntField(primary_key=True)
    monthly_quota = fields.IntField()
    updated_by = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "guide_coupon_template"


class GuideCouponQuota(Model):
    """How many coupons of a template a guide issued in a month (`YYYY-MM`, Shanghai): raised
    by a guarded update (`issued < quota`), so racing issues never pass the quota."""

    id = fields.BigIntField(primary_key=True)
    guide_id = fields.BigIntField()
    template_id = fields.BigIntField()
    month = fields.CharField(max_length=7)
    issued = fields.IntField(default=0)

    class Meta:
        table = "guide_coupon_quota"
        unique_together = (("guide_id", "template_id", "month"),)


class GuideCoupon(Model):
    """The guide who issued a coupon (the coupon itself is an ordinary `Coupon`)."""

    coupon_id = fields.BigIntField(primary_key=True)
    guide_id = fields.BigIntField()
    store_id = fields.BigIntField()
    member_id = fields.BigIntField()
    template_id = fields.BigIntField()
    issued_at = fields.DatetimeField()

    class Meta:
        table = "guide_coupon"
        indexes = (Index(fields=("guide_id", "issued_at"), name="guide_coupon_guide"),)
