"""The shipping upload of one order (`upload_shipping_info`), through the outbox.

The fulfilling transaction (shipping, pickup verification) writes one outbox row keyed by the
order number (topic `wechat.shipping`): one insert, and never a second upload for the order.
The payload names the order, the kind, when it was fulfilled and the packages; the sender reads
the rest (payment, payer, items, the receiver's phone) when it sends (`facts`), so the
fulfilling request pays for nothing else and no personal data waits in the outbox.

WeChat's request as documented (发货信息录入): `order_key` by `transaction_id`
(order_number_type 2) or by `mchid` + `out_trade_no` (1); `logistics_type` 1 express, 4 self
pickup; `delivery_mode` 1 unified (one package), 2 split (several; `is_all_delivered` true: all
packages go in one upload); `shipping_list` of 1..15 with `tracking_no`, `express_company`
and `item_desc` (at most 120 characters), and for SF Express a contact (a masked phone, its last
four digits visible); `upload_time` RFC 3339 in +08:00; `payer.openid`. The code has no
virtual goods, so logistics_type 3 is never sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from domain import sql
from domain.members.phones import mask_phone
from domain.orders.models import Order, OrderItem
from domain.outbox import service as outbox
from domain.payments.models import PaymentStatus
from domain.shipping.packages import ITEM_DESC_MAX, Package
from domain.sql import Sql

TOPIC = "wechat.shipping"
CHINA = timezone(timedelta(hours=8))
# WeChat asks SF Express shipments for a contact (寄件人或收件人联系方式).
CONTACT_REQUIRED = frozenset({"SF"})


class UploadKind(StrEnum):
    EXPRESS = "EXPRESS"
    PICKUP = "PICKUP"


LOGISTICS_TYPE = {UploadKind.EXPRESS: 1, UploadKind.PICKUP: 4}


def key_of(order_number: str) -> str:
    return f"order:{order_number}"


async def enqueue(
    order: Order, kind: UploadKind, fulfilled_at: datetime, packages: list[Package] | None = None
) -> None:
    """In the fulfilling transaction: one statement. The packages travel in the payload (the
    order keeps the first one's carrier and tracking number)."""
    await outbox.enqueue(
        TOPIC,
        key_of(order.number),
        {
            "order_id": order.id,
            "kind": kind.value,
            "fulfilled_at": fulfilled_at.isoformat(),
            "packages": [package.stored() for package in packages or []],
        },
        fulfilled_at,
    )


@dataclass(frozen=True)
class UploadFacts:
    """What the upload of one order says, read when it is sent."""

    order_number: str
    kind: UploadKind
    fulfilled_at: datetime
    transaction_id: str | None
    out_trade_no: str
    payer_openid: str
    items: str
    packages: tuple[Package, ...]
    receiver_contact: str | None


def items_text(lines: list[tuple[str, int]]) -> str:
    """`title*quantity` joined by semicolons, cut to WeChat's 120 characters."""
    text = ";".join(f"{title}*{quantity}" for title, quantity in lines)
    return text if len(text) <= ITEM_DESC_MAX else text[: ITEM_DESC_MAX - 3] + "..."


# Hand-written (domain.sql): the drain runs it for every upload, and one statement instead of
# three ORM reads is what keeps the drain above 100 uploads/s.
_FACTS = Sql(
    "shipping.upload_facts",
    """SELECT o.number, o.address, p.transaction_id, p.out_trade_no,
       (SELECT i.openid FROM member_identity i
         WHERE i.member_id = o.member_id AND i.provider = :wechat AND i.app_id = :app_id
         ORDER BY i.id LIMIT 1) AS openid
    FROM "order" o LEFT JOIN payment p ON p.order_id = o.id AND p.status = :succeeded
    WHERE o.id = :order_id ORDER BY p.id LIMIT 1""",
    constants={"wechat": "WECHAT", "succeeded": PaymentStatus.SUCCEEDED},
)


async def facts(payload: dict[str, Any], app_id: str) -> UploadFacts | str:
    """The upload's facts, or why there is nothing to upload (no WeChat payment, no payer
    openid of this app): two reads."""
    order_id = payload["order_id"]
    row = await sql.fetch_one(_FACTS, order_id=order_id, app_id=app_id)
    if row is None:
        return "the order is gone"
    if row["out_trade_no"] is None:
        return "no successful payment"
    if not row["openid"]:
        return "the payer has no openid of this mini-program"
    lines = (
        await OrderItem.filter(order_id=order_id).order_by("line").values_list("title", "quantity")
    )
    address = sql.python_value(Order, "address", row["address"]) or {}
    phone = address.get("phone")
    return UploadFacts(
        order_number=row["number"],
        kind=UploadKind(payload["kind"]),
        fulfilled_at=datetime.fromisoformat(payload["fulfilled_at"]),
        transaction_id=row["transaction_id"],
        out_trade_no=row["out_trade_no"],
        payer_openid=str(row["openid"]),
        items=items_text([(str(title), int(quantity)) for title, quantity in lines]),
        packages=tuple(
            Package(p["carrier"], p["tracking_number"], p.get("item_description"))
            for p in payload.get("packages") or []
        ),
        receiver_contact=mask_phone(phone) if phone else None,
    )


def upload_time(moment: datetime) -> str:
    """RFC 3339 with milliseconds in China time, as WeChat's examples write it."""
    return moment.astimezone(CHINA).isoformat(timespec="milliseconds")


def order_key(transaction_id: str | None, out_trade_no: str, mch_id: str) -> dict[str, Any]:
    if transaction_id:
        return {"order_number_type": 2, "transaction_id": transaction_id}
    return {"order_number_type": 1, "mchid": mch_id, "out_trade_no": out_trade_no}


def request_body(upload: UploadFacts, mch_id: str) -> dict[str, Any]:
    """The JSON body of `upload_shipping_info` for these facts."""
    if upload.kind == UploadKind.PICKUP or not upload.packages:
        shipping_list: list[dict[str, Any]] = [{"item_desc": upload.items}]
    else:
        shipping_list = [_package(upload, package) for package in upload.packages]
    body: dict[str, Any] = {
        "order_key": order_key(upload.transaction_id, upload.out_trade_no, mch_id),
        "logistics_type": LOGISTICS_TYPE[upload.kind],
        "delivery_mode": 2 if len(shipping_list) > 1 else 1,
        "shipping_list": shipping_list,
        "upload_time": upload_time(upload.fulfilled_at),
        "payer": {"openid": upload.payer_openid},
    }
    if len(shipping_list) > 1:
        body["is_all_delivered"] = True
    return body


def _package(upload: UploadFacts, package: Package) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "tracking_no": package.tracking_number,
        "express_company": package.carrier,
        "item_desc": package.item_description or upload.items,
    }
    if package.carrier in CONTACT_REQUIRED and upload.receiver_contact:
        entry["contact"] = {"receiver_contact": upload.receiver_contact}
    return entry
