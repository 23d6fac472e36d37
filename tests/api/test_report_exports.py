"""CSV exports (SPEC 12): staff token, same filters and scoping as the API, UTF-8 with a BOM, a
header and exact rows; bad filters answer 400 with a clear message and no rows."""

import csv
import io

import pytest

from distribution.models import CommissionEntry
from domain.members.models import Member
from domain.org.models import StaffRole
from tests.support.reports import build_business

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
async def business(api):
    return await build_business(api)


async def export(api, staff, report: str, **params) -> tuple[int, str]:
    response = await api.http.get(
        f"/admin/exports/{report}.csv",
        params=params,
        headers={"Authorization": f"Bearer {staff.client.token}"},
    )
    return response.status_code, response.content.decode("utf-8")


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_store_performance_csv_has_bom_header_and_exact_rows(api, business):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    status, text = await export(api, operator, "store-performance", **MARCH)

    assert status == 200
    assert text.startswith("\ufeff")
    s1, s2 = business.s1, business.s2
    new_members = await Member.filter(source_store_id=s1.id).count()
    zero_targets = ["0", "0", "0"]
    assert rows_of(text) == [
        [
            "store_id",
            "store_code",
            "store_name",
            "relationships",
            "buyers",
            "orders",
            "sales_fen",
            "distribution_sales_fen",
            "new_members",
            "share_links",
            "share_visits",
            "target_new_members",
            "target_sales_fen",
            "target_distribution_sales_fen",
        ],
        [
            str(s1.id),
            s1.code,
            s1.name,
            "1",
            "1",
            "1",
            "39800",
            "39800",
            str(new_members),
            "1",
            "1",
            *zero_targets,
        ],
        [
            str(s2.id),
            s2.code,
            s2.name,
            "0",
            "1",
            "1",
            "19900",
            "19900",
            "0",
            "0",
            "0",
            *zero_targets,
        ],
    ]


async def test_commission_csv_rows_match_the_report(api, business):
    finance = await api.staff(StaffRole.HQ_FINANCE)
    status, text = await export(
        api, finance, "commission", dimension="ROLE", groupBy="MONTH", **MARCH
    )

    assert status == 200
    header, *rows = rows_of(text)
    assert header[:4] == ["bucket", "dimension_key", "dimension_label", "accrued_fen"]
    accrued = sum(int(row[3]) for row in rows)
    entries = await CommissionEntry.all()
    assert accrued == sum(e.original_fen for e in entries)
    assert {row[0] for row in rows} == {"2026-03-01"}


async def test_commission_entries_csv_lists_every_entry_in_shanghai_time(api, business):
    finance = await api.staff(StaffRole.HQ_FINANCE)
    status, text = await export(api, finance, "commission-entries", **MARCH)

    header, *rows = rows_of(text)
    entries = await CommissionEntry.all().order_by("id")
    assert status == 200
    assert header[0:3] == ["entry_id", "created_at", "order_number"]
    assert [int(row[0]) for row in rows] == [e.id for e in entries]
    assert [int(row[8]) for row in rows] == [e.amount_fen for e in entries]
    assert rows[0][1] == "2026-03-10T10:00:00+08:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "period"),
        ({"from": "2026-13-01", "to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01"}, "to"),
        ({**MARCH, "groupBy": "YEAR"}, "groupBy"),
    ],
)
async def test_bad_filters_answer_400_with_no_rows(api, db, params, field):
    finance = await api.staff(StaffRole.HQ_FINANCE)
    status, text = await export(api, finance, "commission", **params)
    assert status == 400
    assert f'"field":"{field}"' in text
    assert "\ufeff" not in text


async def test_exports_need_a_staff_token_and_a_reader_role(api, db):
    anonymous = await api.http.get("/admin/exports/commission.csv", params=MARCH)
    guide = await api.staff(StaffRole.GUIDE)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    assert anonymous.status_code == 401
    assert (await export(api, guide, "commission", **MARCH))[0] == 403
    assert (await export(api, finance, "store-performance", **MARCH))[0] == 403
    assert (await export(api, finance, "no-such-report", **MARCH))[0] == 404
