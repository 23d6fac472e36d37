"""Follow-ups (回访记录, SPEC 22): what a guide or store manager did to reach a customer."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class FollowUpChannel(StrEnum):
    CALL = "CALL"
    WECOM = "WECOM"
    IN_STORE = "IN_STORE"
    OTHER = "OTHER"


class FollowUpOutcome(StrEnum):
    REACHED = "REACHED"
    NO_ANSWER = "NO_ANSWER"
    INTERESTED = "INTERESTED"
    NOT_INTERESTED = "NOT_INTERESTED"
    PURCHASE_PROMISED = "PURCHASE_PROMISED"


class FollowUp(Model):
    """One follow-up of a member by a staff member. Orders the member pays from `created_at`
    until `credit_until` (`guide.follow_up_credit_days` after it, fixed when recorded) are
    credited to the latest follow-up before them. The author may change it until 24 hours
    after `created_at`, then it is append-only."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    author_id = fields.BigIntField(description="The Staff who recorded it.")
    store_id = fields.BigIntField(null=True, description="The author's store.")
    channel = fields.CharEnumField(FollowUpChannel, max_length=12)
    outcome = fields.CharEnumField(FollowUpOutcome, max_length=20)
    note = fields.TextField(default="")
    next_date = fields.DateField(null=True, description="When to follow up again (Shanghai).")
    credit_until = fields.DatetimeField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "follow_up"
        indexes = (
            # A customer's follow-ups, newest first (the customer page, order credit).
            Index(fields=("member_id", "created_at", "id"), name="follow_up_member"),
            # A period's follow-ups per author (guide performance, the store's overview).
            Index(fields=("created_at", "author_id"), name="follow_up_created"),
            # A guide's own follow-ups coming due.
            Index(fields=("author_id", "next_date"), name="follow_up_author_next"),
        )
