"""Members (people), their login identities and the One-ID merge record (SPEC 3)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Gender(StrEnum):
    UNKNOWN = "UNKNOWN"
    MALE = "MALE"
    FEMALE = "FEMALE"


class MemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    MERGED = "MERGED"


class AcquisitionChannel(StrEnum):
    MINI_PROGRAM = "MINI_PROGRAM"
    SHARE_LINK = "SHARE_LINK"
    STORE_QR = "STORE_QR"
    OFFLINE_SIGNUP = "OFFLINE_SIGNUP"
    CAMPAIGN = "CAMPAIGN"


class Member(Model):
    id = fields.BigIntField(primary_key=True)
    nickname = fields.CharField(max_length=64, default="")
    avatar_url = fields.CharField(max_length=512, default="")
    gender = fields.CharEnumField(Gender, max_length=8, default=Gender.UNKNOWN)
    birthday = fields.DateField(null=True)
    region = fields.CharField(max_length=64, default="")
    phone = fields.CharField(max_length=20, null=True, unique=True)
    status = fields.CharEnumField(MemberStatus, max_length=8, default=MemberStatus.ACTIVE)
    merged_into_id = fields.BigIntField(null=True)
    token_version = fields.IntField(default=1)
    source_channel = fields.CharEnumField(
        AcquisitionChannel, max_length=16, default=AcquisitionChannel.MINI_PROGRAM
    )
    source_store_id = fields.BigIntField(null=True, db_index=True)
    source_guide_id = fields.BigIntField(null=True, db_index=True)
    source_distributor_id = fields.BigIntField(null=True)
    source_share_code = fields.CharField(max_length=32, null=True)
    source_campaign = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "member"


class MemberIdentity(Model):
    """A login identity: (provider, app_id, openid) is unique, unionid ties apps of one brand."""

    id = fields.BigIntField(primary_key=True)
    member = fields.ForeignKeyField("models.Member", related_name="identities")
    provider = fields.CharField(max_length=16)
    app_id = fields.CharField(max_length=64)
    openid = fields.CharField(max_length=128)
    unionid = fields.CharField(max_length=128, null=True, db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "member_identity"
        unique_together = (("provider", "app_id", "openid"),)


class MemberMerge(Model):
    """Who was merged into whom, when, by what, and how many of each belonging moved."""

    id = fields.BigIntField(primary_key=True)
    survivor = fields.ForeignKeyField("models.Member", related_name="absorbed_merges")
    absorbed = fields.ForeignKeyField("models.Member", related_name="survivor_merges")
    actor = fields.CharField(max_length=64)
    moved = fields.JSONField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "member_merge"
