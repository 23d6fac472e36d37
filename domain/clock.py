"""The one injectable clock: business code asks it for "now" so tests and jobs can move time."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "frozen_now", default=None
)


def now() -> datetime:
    """Current time in UTC, or the time frozen by `frozen_at`."""
    return _frozen.get() or datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Act as of `moment` (timezone-aware) inside the block: jobs' `--now`, time travel in tests."""
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (tests)."""
    current = _frozen.get()
    if current is None:
        raise RuntimeError("advance() needs a frozen clock")
    _frozen.set(current + delta)


def freeze(moment: datetime) -> contextvars.Token:
    """Freeze without a block (test fixtures); undo with `unfreeze(token)`."""
    return _frozen.set(moment.astimezone(UTC))


def unfreeze(token: contextvars.Token) -> None:
    _frozen.reset(token)


def to_shanghai(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)
