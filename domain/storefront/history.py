"""Browsing history (SPEC 21): the last `MAX_RECORDS` products a member opened, newest first,
one row per product.

A view is one read and at most one write, and never a statement for an anonymous visitor:
the read finds the product's own row, or else the member's oldest, with how many rows the
member holds; the write then
- moves the product's own row to now (viewed again: de-duplicated, moved to the top; guarded
  by the product, should a simultaneous view have taken the row over), or
- inserts a row while the member holds fewer than `MAX_RECORDS`, or
- trims and records at once: the oldest row becomes this product's, a guarded UPDATE (only if
  that row still holds the product read), instead of a DELETE and an INSERT.
So the history never grows past `MAX_RECORDS` (two first views at the same instant may each
add a row at the limit; the next views then keep that count) and no job has to trim it. A view
that loses a race (its row was taken meanwhile) is not recorded: history is best effort and
never fails the product page.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from domain import clock, sql
from domain.sql import Sql
from domain.storefront.models import BrowsingRecord

MAX_RECORDS = 100

_SLOT = Sql(
    "history.slot",
    """SELECT b.id, b.product_id, COUNT(*) OVER () AS held FROM browsing_record b
    WHERE b.member_id = :member_id
    ORDER BY CASE WHEN b.product_id = :product_id THEN 0 ELSE 1 END, b.viewed_at, b.id
    LIMIT 1""",
)
_TOUCH = Sql(
    "history.touch",
    "UPDATE browsing_record SET viewed_at = :now WHERE id = :id AND product_id = :product_id",
)
_ADD = sql.Insert(
    "history.add",
    BrowsingRecord,
    tail='ON CONFLICT ("member_id", "product_id") DO UPDATE SET "viewed_at" = excluded."viewed_at"',
)
_TAKE_OVER = Sql(
    "history.take_over",
    """UPDATE browsing_record SET product_id = :product_id, viewed_at = :now
    WHERE id = :id AND product_id = :seen_product_id""",
)


async def record(member_id: int, product_id: int) -> None:
    """The member opened the product's page."""
    moment = clock.now()
    slot = await sql.fetch_one(_SLOT, member_id=member_id, product_id=product_id)
    if slot is not None and slot["product_id"] == product_id:
        await sql.execute(_TOUCH, now=moment, id=slot["id"], product_id=product_id)
        return
    if slot is None or slot["held"] < MAX_RECORDS:
        added = BrowsingRecord(member_id=member_id, product_id=product_id, viewed_at=moment)
        await sql.execute(_ADD, **_ADD.params([added]))
        return
    try:
        await sql.execute(
            _TAKE_OVER,
            product_id=product_id,
            now=moment,
            id=slot["id"],
            seen_product_id=slot["product_id"],
        )
    except IntegrityError:
        return  # the same product was recorded by a simultaneous view: it is on top already


def of_member(member_id: int) -> QuerySet[BrowsingRecord]:
    """The member's history with its products (page it newest first)."""
    return BrowsingRecord.filter(member_id=member_id).select_related("product")


async def clear(member_id: int) -> int:
    """Forget the member's history; how many products it held."""
    return await BrowsingRecord.filter(member_id=member_id).delete()
