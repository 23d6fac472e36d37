"""Tables of the share posters (see the package docstring)."""

from tortoise import fields
from tortoise.models import Model


class PosterImage(Model):
    """An image HQ uploaded (a poster background): the service's own storage, so composing a
    poster never fetches a background from anywhere. The same bytes uploaded twice are one
    row (`sha256`)."""

    id = fields.BigIntField(primary_key=True)
    sha256 = fields.CharField(max_length=64, unique=True)
    content_type = fields.CharField(max_length=16)
    width = fields.IntField()
    height = fields.IntField()
    data = fields.BinaryField()
    uploaded_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "poster_image"


class PosterTemplate(Model):
    """A poster layout: a background and the boxes drawn on it (`boxes`: box name → x, y,
    width, height, plus fontSize and color for text boxes: a missing box is not drawn). The
    canvas is the background's size. Every edit adds 1 to `version`, which is part of each
    poster's fingerprint: posters of the old version are rebuilt when next asked for."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=40)
    background_id = fields.BigIntField()
    width = fields.IntField()
    height = fields.IntField()
    boxes = fields.JSONField(default=dict)
    enabled = fields.BooleanField(default=True)
    version = fields.IntField(default=1)
    updated_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "poster_template"


class PosterRender(Model):
    """The composed poster of one link and one template: one row per pair, replaced when the
    fingerprint of what it shows changes. Served at `/posters/<fingerprint>.png`."""

    id = fields.BigIntField(primary_key=True)
    link_id = fields.BigIntField()
    template_id = fields.BigIntField()
    fingerprint = fields.CharField(max_length=64, unique=True)
    template_version = fields.IntField()
    price_fen = fields.BigIntField()
    png = fields.BinaryField()
    made_at = fields.DatetimeField()

    class Meta:
        table = "poster_render"
        unique_together = (("link_id", "template_id"),)


class RemoteImage(Model):
    """An image fetched from an allowed host (a product image, an avatar), kept so that a
    poster's next composition fetches nothing. Fetched again once older than the cache's
    time to live."""

    id = fields.BigIntField(primary_key=True)
    url = fields.CharField(max_length=512, unique=True)
    content_type = fields.CharField(max_length=16)
    data = fields.BinaryField()
    fetched_at = fields.DatetimeField()

    class Meta:
        table = "poster_remote_image"
