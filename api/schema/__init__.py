"""The committed SDL of both schemas: the frontend's contract, checked for drift by a test."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def printed_schemas() -> dict[str, str]:
    from api.admin.schema import schema as admin_schema
    from api.shop.schema import schema as shop_schema

    return {"shop.graphql": f"{shop_schema}\n", "admin.graphql": f"{admin_schema}\n"}


def write_schemas() -> list[Path]:
    paths = []
    for name, text in printed_schemas().items():
        path = HERE / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
