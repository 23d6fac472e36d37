"""Tables of the WeChat platform state (see the package docstring)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class WechatAccessToken(Model):
    """The server API access token of one WeChat app (mini-program now, WeCom later), shared by
    every process and machine. `lease_until` is the refresh lease: the one process that set it
    fetches the next token while the others keep using this one."""

    app_id = fields.CharField(max_length=64, primary_key=True)
    # WeChat asks for at least 512 characters of storage.
    token = fields.CharField(max_length=1024, default="")
    expires_at = fields.DatetimeField(null=True)
    lease_until = fields.DatetimeField(null=True)
    lease_holder = fields.CharField(max_length=64, default="")
    refreshed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "wechat_access_token"


class CodeKind(StrEnum):
    """What a 小程序码's scene names: a share link's code or a store's code."""

    LINK = "LINK"
    STORE = "STORE"


class WechatCode(Model):
    """A 小程序码 PNG made once per (kind, scene) and served from here forever after.

    A row without `png` is being made: `lease_until` says until when its maker holds it (a
    maker that died is replaced after that), `retry_at` that WeChat refused for its rate limit
    and nobody asks again before then."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(CodeKind, max_length=8)
    scene = fields.CharField(max_length=32)
    page = fields.CharField(max_length=128, default="")
    png = fields.BinaryField(null=True)
    etag = fields.CharField(max_length=64, default="")
    lease_until = fields.DatetimeField(null=True)
    lease_holder = fields.CharField(max_length=64, default="")
    retry_at = fields.DatetimeField(null=True)
    made_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "wechat_code"
        unique_together = (("kind", "scene"),)


class WechatPushMessage(Model):
    """A message WeChat pushed and siyu handled, keyed as WeChat advises for de-duplication:
    `MsgId` when the message has one, else `FromUserName` + `CreateTime` (events). WeChat
    retries a push it got no answer to, so the second delivery finds the key taken."""

    id = fields.BigIntField(primary_key=True)
    dedup_key = fields.CharField(max_length=160, unique=True)
    msg_type = fields.CharField(max_length=32)
    event = fields.CharField(max_length=64, default="")
    received_at = fields.DatetimeField()

    class Meta:
        table = "wechat_push_message"
