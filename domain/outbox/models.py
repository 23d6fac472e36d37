"""Outbox rows: one per message to send, kept after sending as the delivery record."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OutboxState(StrEnum):
    PENDING = "PENDING"  # waiting for its next attempt (or being sent right now: leased)
    SENT = "SENT"
    SKIPPED = "SKIPPED"  # the sender found nothing to send (no quota, switched off): reason kept
    DEAD = "DEAD"  # refused for good or out of attempts: listed for HQ, who may retry it


class OutboxMessage(Model):
    """A message waiting for (or done by) the sender of its topic.

    `due_at` is when it may next be tried. A sender that takes a message leases it by moving
    `due_at` past the lease and stamping `lease_token`, so a process that dies mid-send leaves it
    due again once the lease runs out, and only the lease holder can record the outcome.
    `attempts` counts tries (a deferral is not one). `reason` says why the last attempt did not
    send it (the error, why it was skipped or deferred), in words without personal data.
    """

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=40)
    key = fields.CharField(max_length=160)
    payload: dict = fields.JSONField()  # type: ignore[assignment]
    state = fields.CharEnumField(OutboxState, max_length=8, default=OutboxState.PENDING)
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField()
    lease_token = fields.CharField(max_length=32, null=True)
    reason = fields.CharField(max_length=300, null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        unique_together = (("topic", "key"),)
        indexes = (("topic", "state", "due_at"), ("state", "id"))
