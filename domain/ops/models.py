"""The scheduler's state in the database, shared by every process and machine."""

from tortoise import fields
from tortoise.models import Model


class SchedulerLease(Model):
    """Who runs the periodic jobs now: one row per lease, held until `expires_at` and renewed
    by its holder, taken over by anyone once it has expired."""

    name = fields.CharField(max_length=32, primary_key=True)
    holder = fields.CharField(max_length=128)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "scheduler_lease"


class ScheduledJob(Model):
    """When a periodic job last started (claimed by compare-and-set, so one run per interval
    even when two processes believe they lead) and whether that run succeeded."""

    job = fields.CharField(max_length=32, primary_key=True)
    last_started_at = fields.DatetimeField()
    last_succeeded = fields.BooleanField(default=True)

    class Meta:
        table = "scheduled_job"


class JobRun(Model):
    """One run of a periodic job: by the scheduler or the `siyu jobs` command. `error` names
    the failure (exception type and where it was raised), never its message, which may quote
    personal data. A run without `finished_at` was cut short by its process dying."""

    id = fields.BigIntField(primary_key=True)
    job = fields.CharField(max_length=32)
    trigger = fields.CharField(max_length=16)
    holder = fields.CharField(max_length=128)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    changed = fields.IntField(null=True)
    error = fields.TextField(null=True)

    class Meta:
        table = "job_run"
        indexes = (("job", "id"),)
