"""Counting the SQL statements a piece of work runs (Tortoise logs each one at DEBUG)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from domain.settings.service import forget_cached_settings

_LOGGER = logging.getLogger("tortoise.db_client")


@dataclass
class StatementLog(logging.Handler):
    statements: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(("Created connection", "Closed connection")):
            self.statements.append(message)

    def __hash__(self) -> int:
        return id(self)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(cold_settings: bool = True) -> Iterator[StatementLog]:
    """Counts from a cold settings cache, so a count never depends on what ran before it
    (`cold_settings=False` counts as a busy server runs: settings read a moment before)."""
    if cold_settings:
        forget_cached_settings()
    log = StatementLog()
    previous = _LOGGER.level
    _LOGGER.setLevel(logging.DEBUG)
    _LOGGER.addHandler(log)
    try:
        yield log
    finally:
        _LOGGER.removeHandler(log)
        _LOGGER.setLevel(previous)
