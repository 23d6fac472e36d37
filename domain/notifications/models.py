"""Quotas of subscription messages and the staff inbox."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class SubscriptionQuota(Model):
    """How many messages of `template_id` the member has allowed (one per accepted
    `wx.requestSubscribeMessage`, WeChat's one-time authorization): each send takes one."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    template_id = fields.CharField(max_length=64)
    remaining = fields.IntField(default=0)
    accepted = fields.IntField(default=0)
    rejected = fields.IntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "subscription_quota"
        unique_together = (("member_id", "template_id"),)


class NoticeKind(StrEnum):
    REFUND_REQUESTED = "REFUND_REQUESTED"
    WITHDRAWAL_REVIEW = "WITHDRAWAL_REVIEW"
    DISTRIBUTOR_APPLICATION = "DISTRIBUTOR_APPLICATION"
    JOB_FAILED = "JOB_FAILED"
    DEAD_LETTER = "DEAD_LETTER"


class StaffNotice(Model):
    """One notice in one staff member's inbox. `store_id` is the store it concerns (None for
    HQ matters), `subject` names what it is about (`Withdrawal:12`) without personal data."""

    id = fields.BigIntField(primary_key=True)
    staff_id = fields.BigIntField()
    kind = fields.CharEnumField(NoticeKind, max_length=24)
    key = fields.CharField(max_length=120)
    store_id = fields.BigIntField(null=True)
    title = fields.CharField(max_length=64)
    body = fields.CharField(max_length=200)
    subject = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)
    # 1 until read, then 0: the inbox lists unread first and pages by (unread, id).
    unread = fields.IntField(default=1)

    class Meta:
        table = "staff_notice"
        unique_together = (("staff_id", "kind", "key"),)
        indexes = (Index(fields=("staff_id", "unread", "id"), name="staff_notice_inbox"),)
