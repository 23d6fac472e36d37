"""Small input checks shared by services; each failure is a DomainError naming the field."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode


def bounded_text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise DomainError(ErrorCode.REQUIRED, field)
    if len(text) > max_length:
        raise DomainError(ErrorCode.TOO_LONG, field, f"max {max_length}")
    return text


def in_range(value: int, field: str, minimum: int, maximum: int) -> int:
    if not minimum <= value <= maximum:
        raise DomainError(ErrorCode.OUT_OF_RANGE, field, f"{minimum}..{maximum}")
    return value
