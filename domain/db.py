"""Tortoise configuration (one app, every model module) and the transaction helper."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

APP_LABEL = "models"

MODEL_MODULES = [
    "domain.settings.models",
    "domain.org.models",
    "domain.members.models",
    "domain.catalog.models",
    "domain.access.models",
    "domain.orders.models",
    "domain.payments.models",
    "distribution.models",
    "loyalty.models",
    "loyalty.audience.models",
]


def normalise_url(database_url: str) -> str:
    """Accept the usual `postgresql://` spelling; add SQLite's busy timeout for many processes."""
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        # WAL with synchronous=NORMAL is durable across application crashes and costs no fsync
        # per commit; busy_timeout lets several processes share the file.
        for pragma in ("busy_timeout=5000", "synchronous=NORMAL"):
            if pragma.split("=")[0] not in database_url:
                database_url += ("&" if "?" in database_url else "?") + pragma
    return database_url


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": normalise_url(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def transaction():
    """One business operation = one transaction (nested calls join the outer one)."""
    return in_transaction("default")
