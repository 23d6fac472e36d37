"""One-ID merge (SPEC 3) of the storefront belongings: the absorbed member's cart, addresses,
favourites and history go to the survivor, inside the merge's transaction, keeping each limit:

- cart: a SKU both hold keeps the survivor's line with the quantities added (at most 99);
  other lines move, newest first, while the cart has room for them (100 lines, a hard limit);
  the rest are dropped;
- addresses: all move, none as the default when the survivor has one (like coupons above a
  template's limit, a book above 20 only refuses further addresses);
- favourites: those the survivor lacks move (dates kept);
- history: the later view of each product is kept, then the history is trimmed to the newest
  100 with a guarded delete.
"""

from __future__ import annotations

from tortoise.expressions import Subquery

from domain.storefront.cart import MAX_LINES, MAX_QUANTITY
from domain.storefront.history import MAX_RECORDS
from domain.storefront.models import Address, BrowsingRecord, CartLine, Favourite


async def move_belongings(survivor: int, absorbed: int) -> dict[str, int]:
    """What moved, by kind (zero counts left out)."""
    moved = {
        "cart_lines": await _move_cart(survivor, absorbed),
        "addresses": await _move_addresses(survivor, absorbed),
        "favourites": await _move_favourites(survivor, absorbed),
        "browsing_records": await _move_history(survivor, absorbed),
    }
    return {kind: count for kind, count in moved.items() if count}


async def _move_cart(survivor: int, absorbed: int) -> int:
    theirs = list(await CartLine.filter(member_id=absorbed).order_by("-id"))
    ours = {line.sku_id: line for line in await CartLine.filter(member_id=survivor)}
    room = MAX_LINES - len(ours)
    moved = 0
    for line in theirs:
        kept = ours.get(line.sku_id)
        if kept is not None:
            await CartLine.filter(id=kept.id).update(
                quantity=min(kept.quantity + line.quantity, MAX_QUANTITY)
            )
        elif room > 0:
            await CartLine.filter(id=line.id).update(member_id=survivor)
            room -= 1
            moved += 1
    await CartLine.filter(member_id=absorbed).delete()
    return moved


async def _move_addresses(survivor: int, absorbed: int) -> int:
    if await Address.exists(member_id=survivor):
        await Address.filter(member_id=absorbed).update(is_default=False)
    return await Address.filter(member_id=absorbed).update(member_id=survivor)


async def _move_favourites(survivor: int, absorbed: int) -> int:
    kept = Favourite.filter(member_id=survivor).values_list("product_id", flat=True)
    await Favourite.filter(member_id=absorbed, product_id__in=Subquery(kept)).delete()
    return await Favourite.filter(member_id=absorbed).update(member_id=survivor)


async def _move_history(survivor: int, absorbed: int) -> int:
    ours = {row.product_id: row for row in await BrowsingRecord.filter(member_id=survivor)}
    moved = 0
    for row in await BrowsingRecord.filter(member_id=absorbed):
        kept = ours.get(row.product_id)
        if kept is None:
            await BrowsingRecord.filter(id=row.id).update(member_id=survivor)
            moved += 1
        elif row.viewed_at > kept.viewed_at:
            await BrowsingRecord.filter(id=kept.id).update(viewed_at=row.viewed_at)
    await BrowsingRecord.filter(member_id=absorbed).delete()
    await _trim(survivor)
    return moved


async def _trim(member_id: int) -> None:
    """Guarded: only rows older than the member's newest `MAX_RECORDS` go."""
    newest = (
        BrowsingRecord.filter(member_id=member_id)
        .order_by("-viewed_at", "-id")
        .limit(MAX_RECORDS)
        .values_list("id", flat=True)
    )
    await BrowsingRecord.filter(member_id=member_id).exclude(id__in=Subquery(newest)).delete()
