"""The packages of a shipment as staff give them: 1 to `MAX_PACKAGES` (WeChat's limit for one
payment), each with a carrier of WeChat's list, a tracking number and, optionally, what it
holds (`item_desc`, at most `ITEM_DESC_MAX` characters; the order's items when absent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import DomainError, ErrorCode
from domain.shipping import carriers
from domain.validation import clean_text

MAX_PACKAGES = 15
CARRIER_MAX = 32
# The `tracking_number` column; WeChat accepts up to 128 bytes.
TRACKING_MAX = 64
ITEM_DESC_MAX = 120


@dataclass(frozen=True)
class Package:
    carrier: str
    tracking_number: str
    item_description: str | None = None

    def stored(self) -> dict[str, Any]:
        """As the upload's outbox payload keeps it."""
        return {
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "item_description": self.item_description,
        }


async def checked(packages: list[Package], listed: bool) -> list[Package]:
    """The packages cleaned, or the first problem as a DomainError whose field is the
    client's path: `packages.2.trackingNumber` when `listed`, else the single-package form's
    `carrier` / `trackingNumber`. Reads the carrier list (one statement, two when empty)."""

    def at(index: int, name: str) -> str:
        return f"packages.{index}.{name}" if listed else name

    if not packages:
        raise DomainError(ErrorCode.REQUIRED, "packages")
    if len(packages) > MAX_PACKAGES:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "packages", f"At most {MAX_PACKAGES} packages per order."
        )
    cleaned = []
    for index, package in enumerate(packages):
        cleaned.append(
            Package(
                carrier=clean_text(package.carrier, at(index, "carrier"), CARRIER_MAX),
                tracking_number=clean_text(
                    package.tracking_number, at(index, "trackingNumber"), TRACKING_MAX
                ),
                item_description=clean_text(
                    package.item_description or "",
                    at(index, "itemDescription"),
                    ITEM_DESC_MAX,
                    required=False,
                )
                or None,
            )
        )
    await carriers.check_known(
        [(at(index, "carrier"), package.carrier) for index, package in enumerate(cleaned)]
    )
    return cleaned
