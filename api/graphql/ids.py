"""Opaque global IDs: base64 of `Type:pk`, checked against the expected type on input.

Every id a client sends is decoded here, so this is where malformed ids stop: a pk is ASCII
digits without a sign or leading zero, within 1..2^63-1 (a BIGINT primary key). Anything else
(bad base64, another type, `Order:9999999999999999999999999`, a lone surrogate) is INVALID_ID
naming the argument, before any SQL sees it: a pk past 64 bits would otherwise fail inside the
driver (SQLite's OverflowError, PostgreSQL's int64 range) as an unexpected error.
"""

from __future__ import annotations

import base64
import binascii
import re

from domain.errors import DomainError, ErrorCode

MAX_PK = 2**63 - 1
# Type names are GraphQL names; the longest valid id stays far below this many characters.
MAX_ID_LENGTH = 200
_CANONICAL_PK = re.compile(r"[1-9][0-9]{0,18}")


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(value: str, expected_type: str, field: str = "id") -> int:
    """The pk inside `value`, or INVALID_ID at `field` when it is malformed, names another type
    or is outside 1..2^63-1."""
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH:
        raise DomainError(ErrorCode.INVALID_ID, field)
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError):
        raise DomainError(ErrorCode.INVALID_ID, field) from None
    type_name, _, pk = decoded.partition(":")
    if type_name != expected_type or not _CANONICAL_PK.fullmatch(pk) or int(pk) > MAX_PK:
        raise DomainError(ErrorCode.INVALID_ID, field)
    return int(pk)


def optional_global_id(value: str | None, expected_type: str, field: str) -> int | None:
    return None if value is None else from_global_id(value, expected_type, field)
