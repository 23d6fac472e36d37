"""The scalars both schemas share: `Long` (64-bit integers: report totals overflow GraphQL's
32-bit Int), `DateTime` shown in Asia/Shanghai, and the `Money` type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NewType

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition

from domain.clock import to_shanghai
from domain.money import CURRENCY, format_fen

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _parse_long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("Long must be an integer")
    number = int(value)
    if not _LONG_MIN <= number <= _LONG_MAX:
        raise ValueError("Long out of 64-bit range")
    return number


def _serialize_datetime(value: datetime) -> str:
    """SPEC 1: times are stored in UTC and shown in Asia/Shanghai, so every DateTime carries
    +08:00 and a client that slices the date gets the local date. A naive value (none should
    reach here) is taken as UTC, as the database stores it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_shanghai(value).isoformat()


# What a DateTime argument may say (UTC): the same years as report periods. A moment beyond
# them is no business time, and past year 9999 in UTC it breaks the database driver.
_FIRST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
_LAST_MOMENT = datetime(3000, 1, 1, tzinfo=UTC)


def _parse_datetime(value: object) -> datetime:
    """Strawberry's own ISO 8601 parser (any offset, or Z), bounded to 2000..2999 in UTC; a
    value without an offset is taken as UTC, as the database stores it."""
    parsed = DateTimeDefinition.parse_value(value)
    moment = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    try:
        in_range = _FIRST_MOMENT <= moment < _LAST_MOMENT
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValueError("DateTime must lie between 2000-01-01 and 2999-12-31 (UTC)")
    return parsed


Long = NewType("Long", int)

SCALARS = {
    Long: strawberry.scalar(
        name="Long",
        serialize=int,
        parse_value=_parse_long,
        description="A 64-bit signed integer (money in fen, report totals).",
    ),
    datetime: strawberry.scalar(
        name="DateTime",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
        description=(
            "ISO 8601 date and time, shown in Asia/Shanghai (+08:00); any offset in, between "
            "2000-01-01 and 2999-12-31."
        ),
    ),
}


@strawberry.type(description="An amount of money in integer fen (分).")
class Money:
    fen: Long = strawberry.field(  # type: ignore[valid-type]
        description=(
            "The amount in fen (分): 1234 = ¥12.34. Use this, not formatted, for arithmetic."
        )
    )
    currency: str = strawberry.field(description="ISO 4217 code; always CNY.")
    formatted: str = strawberry.field(description="For display, e.g. ¥12.34.")

    @classmethod
    def of(cls, fen: int) -> Money:
        return cls(fen=fen, currency=CURRENCY, formatted=format_fen(fen))
