"""Which carriers a shipment may name: WeChat's delivery company list as last fetched
(`get_delivery_list`, refreshed by the `refresh-carriers` job), or, while nothing has been
fetched (development without WeChat, or before the first refresh), `BUILT_IN`: the common
domestic carriers under the ids WeChat uses for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.shipping.models import DeliveryCompany

BUILT_IN: dict[str, str] = {
    "SF": "顺丰速运",
    "ZTO": "中通快递",
    "YTO": "圆通速递",
    "STO": "申通快递",
    "YD": "韵达速递",
    "JD": "京东物流",
    "EMS": "中国邮政速递物流",
}


async def check_known(carriers: Sequence[tuple[str, str]]) -> None:
    """Refuse the first (field, delivery_id) that names no known carrier. One statement when
    the cache is filled; two when it is empty (the built-in list then decides)."""
    wanted = {delivery_id for _, delivery_id in carriers}
    listed = DeliveryCompany.filter(delivery_id__in=list(wanted))
    known = {str(delivery_id) for delivery_id in await listed.values_list("delivery_id", flat=True)}
    if known >= wanted:
        return
    if not await DeliveryCompany.exists():
        known = wanted & BUILT_IN.keys()
    for field, delivery_id in carriers:
        if delivery_id not in known:
            raise DomainError(
                ErrorCode.INVALID, field, "Not a carrier of WeChat's delivery company list."
            )


async def replace_all(companies: Iterable[tuple[str, str]], now: datetime) -> int:
    """The list WeChat answered becomes the list (ids and names trimmed to the columns)."""
    rows = {
        delivery_id[:64]: DeliveryCompany(
            delivery_id=delivery_id[:64], name=name[:120], refreshed_at=now
        )
        for delivery_id, name in companies
        if delivery_id
    }
    async with transaction():
        await DeliveryCompany.all().delete()
        await DeliveryCompany.bulk_create(list(rows.values()), batch_size=500)
    return len(rows)
