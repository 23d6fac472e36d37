"""After-sale around the refund state machine (SPEC 21 "Refunds"): the member's refund list
and detail, and the refund reasons HQ offers.

The state machine itself (request, review, provider, reversals) lives in
`domain.orders.refunds`. A refund belongs to the member who placed its order, and another
member's refund is treated exactly like one that does not exist.

Refund reasons are a small table rather than a setting: each has a stable code (kept on the
refund, so reports can count by reason), Chinese and English text, a position and an active
flag. Reasons are never deleted, only deactivated: a refund's code always resolves.
"""

from __future__ import annotations

import re

from tortoise.queryset import QuerySet

from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.orders.models import Refund, RefundReason, RefundStatus
from domain.validation import clean_text

_REASON_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,31}")


def member_refunds(member_id: int, status: RefundStatus | None = None) -> QuerySet[Refund]:
    """The member's refunds (optionally of one status), each with its order item loaded in the
    same statement, so a page costs one query however many refunds it holds."""
    refunds = Refund.filter(order__member_id=member_id).select_related("item")
    if status is not None:
        refunds = refunds.filter(status=status)
    return refunds


async def member_refund(member_id: int, refund_id: int) -> Refund | None:
    """One of the member's refunds with its item; None for another member's or an unknown id."""
    return await member_refunds(member_id).filter(id=refund_id).first()


def active_reasons() -> QuerySet[RefundReason]:
    """The reasons a member may choose, in HQ's order."""
    return RefundReason.filter(active=True).order_by("position", "id")


def all_reasons() -> QuerySet[RefundReason]:
    """Every reason, inactive ones included, in HQ's order (the admin's list)."""
    return RefundReason.all().order_by("position", "id")


async def save_reason(
    code: str, text_zh: str, text_en: str, position: int, active: bool, actor: str
) -> RefundReason:
    """Create the reason `code` or replace its texts, position and active flag (HQ's edit).

    The code is the stable key (upper-case letters, digits, underscores; at most 32): it cannot
    be renamed, since refunds keep it."""
    if not _REASON_CODE.fullmatch(code):
        raise DomainError(ErrorCode.INVALID, "code", "A-Z, 0-9 and _, starting with a letter")
    if not 0 <= position <= 9999:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "position", "0..9999")
    values = {
        "text_zh": clean_text(text_zh, "textZh", 60),
        "text_en": clean_text(text_en, "textEn", 120),
        "position": position,
        "active": active,
        "updated_by": actor,
        "updated_at": clock.now(),
    }
    reason, _ = await RefundReason.update_or_create(defaults=values, code=code)
    return reason


async def chosen_reason(code: str) -> RefundReason:
    """The active reason `code`, or UNKNOWN_REFUND_REASON (unknown, deactivated or not even of
    a code's form alike: the form is checked first, so no odd text reaches the database)."""
    if not _REASON_CODE.fullmatch(code):
        raise DomainError(ErrorCode.UNKNOWN_REFUND_REASON, "reasonCode")
    reason = await RefundReason.get_or_none(code=code, active=True)
    if reason is None:
        raise DomainError(ErrorCode.UNKNOWN_REFUND_REASON, "reasonCode")
    return reason
