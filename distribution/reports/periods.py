"""Report periods: whole Asia/Shanghai days from `first_day` to `last_day` inclusive, at most
`MAX_DAYS` long, so every report's work is bounded by its filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.clock import SHANGHAI
from domain.errors import DomainError, ErrorCode

MAX_DAYS = 366
# Business days a report may name: a day outside has no data and its Shanghai midnight may not
# even be representable in UTC (0001-01-01, 9999-12-31).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return datetime.combine(self.first_day, time(), SHANGHAI).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (bounds are half-open)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)

    @property
    def first_month(self) -> str:
        return self.first_day.strftime("%Y-%m")

    @property
    def last_month(self) -> str:
        return self.last_day.strftime("%Y-%m")


def period(first_day: date, last_day: date, field: str = "period") -> Period:
    """A valid period, or INVALID_PERIOD naming what is wrong with it."""
    if not (first_day >= FIRST_DAY and last_day <= LAST_DAY):
        raise DomainError(ErrorCode.INVALID_PERIOD, field, f"days from {FIRST_DAY} to {LAST_DAY}")
    if last_day < first_day:
        raise DomainError(ErrorCode.INVALID_PERIOD, field, "from must not be after to")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise DomainError(ErrorCode.INVALID_PERIOD, field, f"at most {MAX_DAYS} days")
    return Period(first_day, last_day)


def parse_day(text: str, field: str) -> date:
    """A 'YYYY-MM-DD' day from a query string (CSV exports)."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.INVALID_PERIOD, field, "expected YYYY-MM-DD") from None
