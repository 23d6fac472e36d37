"""`Long` (64-bit integers: report totals overflow GraphQL's 32-bit Int) and `Money`."""

from __future__ import annotations

from typing import NewType

import strawberry

from domain.money import CURRENCY, format_fen

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("Long must be an integer")
    number = int(value)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise ValueError("Long out of 64-bit range")
    return number


Long = NewType("Long", int)

SCALARS = {
    Long: strawberry.scalar(
        name="Long",
        serialize=int,
        parse_value=_parse_long,
        description="A 64-bit signed integer (money in fen, report totals).",
    )
}


@strawberry.type(description="An amount of money in integer fen (分).")
class Money:
    fen: Long  # type: ignore[valid-type]
    currency: str
    formatted: str

    @classmethod
    def of(cls, fen: int) -> Money:
        return cls(fen=fen, currency=CURRENCY, formatted=format_fen(fen))
