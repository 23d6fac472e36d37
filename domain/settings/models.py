"""Stored business settings and their audit trail."""

from tortoise import fields
from tortoise.models import Model


class Setting(Model):
    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.JSONField()
    updated_at = fields.DatetimeField()
    updated_by = fields.CharField(max_length=64)

    class Meta:
        table = "setting"


class SettingChange(Model):
    """One row per changed key: who changed what from which value to which, and when."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=64, db_index=True)
    old_value = fields.JSONField()
    new_value = fields.JSONField()
    actor = fields.CharField(max_length=64)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "setting_change"
