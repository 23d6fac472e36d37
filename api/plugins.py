"""What `distribution` and `loyalty` plug into the core, wired once per process (the app and
the job runner call `install_plugins` before any request or job runs): domain event handlers,
pricing steps and the attributor."""

from __future__ import annotations

from domain import events

_installed = False


def install_plugins() -> None:
    """Idempotent: tests build many apps in one process."""
    global _installed
    if _installed:
        return
    _installed = True
    subscriptions: list[tuple[type, object]] = [
        # links & relationships
        # commission
        # withdrawals
        # distributors & attribution
    ]
    for event_type, handler in subscriptions:
        events.subscribe(event_type, handler)
