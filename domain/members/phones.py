"""Phone numbers: normalised to E.164 on the way in, masked on the way out to staff."""

from __future__ import annotations

import re

from domain.errors import DomainError, ErrorCode

_CN_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_E164 = re.compile(r"\+[1-9]\d{6,14}", re.ASCII)


def normalise_phone(raw: str, field: str = "phone") -> str:
    """'+86 138-1234-5678', '8613812345678' and '13812345678' all become '+8613812345678'."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if _CN_MOBILE.fullmatch(digits):
        return "+86" + digits
    if digits.startswith("86") and _CN_MOBILE.fullmatch(digits[2:]):
        return "+" + digits
    if _E164.fullmatch(digits):
        return digits
    raise DomainError(ErrorCode.INVALID_PHONE, field)


def mask_phone(phone: str | None) -> str | None:
    """'+8613812341234' → '138****1234': the national number with its middle hidden."""
    if phone is None:
        return None
    national = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    if len(national) <= 7:
        return "*" * len(national)
    return national[:3] + "****" + national[-4:]
