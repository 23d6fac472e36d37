"""HQ's monthly targets per store (SPEC 12): new members, sales and distribution sales."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.org.models import Store, StoreTarget

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
MAX_TARGET_FEN = 10**13


@dataclass(frozen=True)
class Targets:
    new_members: int
    sales_fen: int
    distribution_sales_fen: int


def check_month(month: str, field: str = "month") -> str:
    if not _MONTH.fullmatch(month):
        raise DomainError(ErrorCode.INVALID_TARGET_MONTH, field)
    return month


async def set_store_targets(store_id: int, month: str, targets: Targets, actor: str) -> StoreTarget:
    """Create or replace the store's targets for `month`; every target is 0 or more."""
    check_month(month)
    for field, value, limit in (
        ("newMembers", targets.new_members, 10**9),
        ("salesFen", targets.sales_fen, MAX_TARGET_FEN),
        ("distributionSalesFen", targets.distribution_sales_fen, MAX_TARGET_FEN),
    ):
        if not 0 <= value <= limit:
            raise DomainError(ErrorCode.OUT_OF_RANGE, field)
    if not await Store.exists(id=store_id):
        raise DomainError(ErrorCode.NOT_FOUND, "storeId")
    values = {
        "new_members": targets.new_members,
        "sales_fen": targets.sales_fen,
        "distribution_sales_fen": targets.distribution_sales_fen,
        "updated_by": actor,
        "updated_at": clock.now(),
    }
    async with transaction():
        updated = await StoreTarget.filter(store_id=store_id, month=month).update(**values)
        if not updated:
            await StoreTarget.create(store_id=store_id, month=month, **values)
        return await StoreTarget.get(store_id=store_id, month=month)
