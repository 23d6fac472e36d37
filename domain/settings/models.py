"""Stored business settings and their audit trail."""

from tortoise import fields
from tortoise.models import Model


class Setting(Model):
    """Values are JSON text: Tortoise's JSONField would take a bare string for encoded JSON."""

    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.TextField()
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=64)

    class Meta:
        table = "setting"


class SettingChange(Model):
    """One row per changed key: who changed what from which value to which, and when."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=64, db_index=True)
    old_value = fields.TextField()
    new_value = fields.TextField()
    actor = fields.CharField(max_length=64)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "setting_change"
