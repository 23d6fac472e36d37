"""Opaque global IDs: base64 of `Type:pk`, checked against the expected type on input."""

from __future__ import annotations

import base64
import binascii

from domain.errors import DomainError, ErrorCode


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(value: str, expected_type: str, field: str = "id") -> int:
    """The pk inside `value`, or INVALID_ID when it is malformed or names another type."""
    try:
        decoded = base64.b64decode(value.encode(), validate=True).decode()
        type_name, _, pk = decoded.partition(":")
        number = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError(ErrorCode.INVALID_ID, field) from None
    if type_name != expected_type or number <= 0 or not pk.isdigit():
        raise DomainError(ErrorCode.INVALID_ID, field)
    return number


def optional_global_id(value: str | None, expected_type: str, field: str) -> int | None:
    return None if value is None else from_global_id(value, expected_type, field)
