"""Sessions and login throttling: refresh-token families, revoked access tokens, failed logins."""

from tortoise import fields
from tortoise.models import Model


class RefreshToken(Model):
    """An opaque refresh token, stored as its SHA-256 only. Rotated on every use: a family is
    every token descended from one login, so reuse of a rotated one revokes them all."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    family = fields.CharField(max_length=32, db_index=True)
    audience = fields.CharField(max_length=8)
    subject_id = fields.BigIntField()
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "refresh_token"


class RevokedAccessToken(Model):
    """Access tokens ended early by logout, kept until they would have expired anyway."""

    jti = fields.CharField(max_length=32, primary_key=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "revoked_access_token"


class LoginFailure(Model):
    """One failed staff login for a (username, ip) pair: five in 15 minutes lock the pair."""

    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64)
    ip = fields.CharField(max_length=64)
    failed_at = fields.DatetimeField()

    class Meta:
        table = "login_failure"
        indexes = (("username", "ip", "failed_at"),)
