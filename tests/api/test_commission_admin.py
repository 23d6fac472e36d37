"""Commission for HQ staff: manual adjustments, the entries list, who may do what, and the
`siyu check-ledger` command."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from api.graphql.ids import to_global_id
from distribution.models import CommissionAccount, CommissionRule, LedgerEntry, LedgerKind
from domain.org.models import StaffRole, StoreKind
from tests.support.api import make_store
from tests.support.commission import assert_ledger_sound, balances, distributor, paid_order, sku

R = StaffRole
ADJUST = """
mutation($d: ID, $s: ID, $amount: Long!, $reason: String!) {
  adjustCommission(distributorId: $d, storeId: $s, amountFen: $amount, reason: $reason) {
    balances { pending { fen } available { fen } withdrawing { fen } withdrawn { fen } }
    errors { code field }
  }
}
"""
ENTRIES = """
query($status: CommissionEntryStatus, $d: ID, $s: ID, $o: ID, $first: Int, $after: String) {
  commissionEntries(status: $status, distributorId: $d, storeId: $s, orderId: $o,
                    first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { role status amount { fen } original { fen } basis capped orderId
                   distributorId storeId settleAt } }
  }
}
"""


async def test_finance_adjusts_a_distributors_available_balance_with_a_reason(api):
    k1 = await distributor(api)
    finance = await api.staff(R.HQ_FINANCE)
    gid = to_global_id("Distributor", k1.id)

    credit = await finance.client.data(ADJUST, {"d": gid, "amount": 1500, "reason": "活动奖励"})
    debit = await finance.client.data(ADJUST, {"d": gid, "amount": -2000, "reason": "多发冲正"})

    assert credit["adjustCommission"]["errors"] == []
    assert debit["adjustCommission"] == {
        "balances": {
            "pending": {"fen": 0},
            "available": {"fen": -500},
            "withdrawing": {"fen": 0},
            "withdrawn": {"fen": 0},
        },
        "errors": [],
    }
    rows = await LedgerEntry.filter(kind=LedgerKind.ADJUST).order_by("id")
    assert [(r.available_delta, r.actor, r.reason) for r in rows] == [
        (1500, f"staff:{finance.staff.id}", "活动奖励"),
        (-2000, f"staff:{finance.staff.id}", "多发冲正"),
    ]
    await assert_ledger_sound()


async def test_a_store_account_can_be_adjusted(api):
    store = await make_store(StoreKind.FRANCHISE)
    admin = await api.staff(R.HQ_ADMIN)

    result = await admin.client.data(
        ADJUST, {"s": to_global_id("Store", store.id), "amount": 800, "reason": "补发"}
    )

    assert result["adjustCommission"]["errors"] == []
    assert await balances(store) == (0, 800)


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"amount": 0, "reason": "x"}, ("OUT_OF_RANGE", "amountFen")),
        ({"amount": 100, "reason": "   "}, ("REQUIRED", "reason")),
        ({"amount": 100, "reason": "x" * 201}, ("TOO_LONG", "reason")),
        ({"amount": 10_000_000_01, "reason": "x"}, ("OUT_OF_RANGE", "amountFen")),
        ({"amount": 100, "reason": "x", "d": None}, ("INVALID", "distributorId")),
        ({"amount": 100, "reason": "x", "both": True}, ("INVALID", "distributorId")),
        (
            {"amount": 100, "reason": "x", "d": to_global_id("Distributor", 99999)},
            ("NOT_FOUND", "distributorId"),
        ),
        (
            {"amount": 100, "reason": "x", "d": to_global_id("Store", 1)},
            ("INVALID_ID", "distributorId"),
        ),
    ],
)
async def test_bad_adjustments_are_refused_and_change_nothing(api, variables, error):
    k1 = await distributor(api)
    store = await make_store()
    finance = await api.staff(R.HQ_FINANCE)
    variables = dict(variables)
    if variables.pop("both", False):
        variables.update(d=to_global_id("Distributor", k1.id), s=to_global_id("Store", store.id))
    elif "d" not in variables:
        variables["d"] = to_global_id("Distributor", k1.id)

    result = (await finance.client.data(ADJUST, variables))["adjustCommission"]

    assert result == {"balances": None, "errors": [{"code": error[0], "field": error[1]}]}
    assert await LedgerEntry.all().count() == 0
    assert await CommissionAccount.all().count() == 0


async def test_entries_are_listed_newest_first_and_filtered(api):
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    franchise = await make_store(StoreKind.FRANCHISE)
    m = await api.member()
    item = await sku(10000)
    first = await paid_order(
        api, m, [(item, 1)], level1_distributor_id=k1.id, level2_distributor_id=k0.id
    )
    second = await paid_order(
        api, m, [(item, 2)], level1_distributor_id=k1.id, service_store_id=franchise.id
    )
    finance = await api.staff(R.HQ_FINANCE)

    everything = (await finance.client.data(ENTRIES, {"first": 2}))["commissionEntries"]
    rest = (
        await finance.client.data(
            ENTRIES, {"first": 2, "after": everything["pageInfo"]["endCursor"]}
        )
    )["commissionEntries"]
    of_k1 = (await finance.client.data(ENTRIES, {"d": to_global_id("Distributor", k1.id)}))[
        "commissionEntries"
    ]
    of_store = (await finance.client.data(ENTRIES, {"s": to_global_id("Store", franchise.id)}))[
        "commissionEntries"
    ]
    of_first = (await finance.client.data(ENTRIES, {"o": first["id"]}))["commissionEntries"]
    cancelled = (await finance.client.data(ENTRIES, {"status": "CANCELLED"}))["commissionEntries"]
    nobody = (await finance.client.data(ENTRIES, {"d": to_global_id("Distributor", 99999)}))[
        "commissionEntries"
    ]
    wrong_type = (await finance.client.data(ENTRIES, {"d": to_global_id("Order", 1)}))[
        "commissionEntries"
    ]

    assert everything["totalCount"] == 4
    assert everything["pageInfo"]["hasNextPage"] is True
    assert len(rest["edges"]) == 2 and rest["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["amount"]["fen"] for e in of_k1["edges"]] == [2000, 1000]
    assert [(e["node"]["role"], e["node"]["amount"]["fen"]) for e in of_store["edges"]] == [
        ("STORE_SHARE", 1000)
    ]
    assert of_store["edges"][0]["node"]["storeId"] == to_global_id("Store", franchise.id)
    assert of_store["edges"][0]["node"]["orderId"] == second["id"]
    assert sorted(e["node"]["role"] for e in of_first["edges"]) == ["LEVEL1", "LEVEL2"]
    assert cancelled["totalCount"] == 0
    assert nobody["totalCount"] == 0 and wrong_type["totalCount"] == 0


ROLE_CASES = {
    "commissionRules": ("{ commissionRules { id } }", {R.HQ_ADMIN, R.HQ_OPERATOR, R.HQ_FINANCE}),
    "commissionEntries": (
        "{ commissionEntries { edges { node { id } } } }",
        {R.HQ_ADMIN, R.HQ_FINANCE},
    ),
    "setCommissionRules": (
        "mutation { setCommissionRules(rules: [{role: LEVEL1, scope: ALL, rateBp: 1}]) "
        "{ errors { code } } }",
        {R.HQ_ADMIN, R.HQ_OPERATOR},
    ),
    "adjustCommission": (
        'mutation { adjustCommission(storeId: "U3RvcmU6MQ==", amountFen: 5, reason: "r") '
        "{ errors { code } } }",
        {R.HQ_ADMIN, R.HQ_FINANCE},
    ),
}


@pytest.mark.parametrize("role", list(R))
async def test_commission_fields_by_role(api, role):
    await make_store()
    session = await api.staff(role)
    rules_before = await CommissionRule.all().count()

    for name, (query, allowed) in ROLE_CASES.items():
        body = await session.client.gql(query)
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        assert codes == ([] if role in allowed else ["FORBIDDEN"]), (name, role, body)

    writers = {R.HQ_ADMIN, R.HQ_OPERATOR}
    assert (await CommissionRule.all().count() == rules_before) is (role not in writers)
    assert (await LedgerEntry.all().count() == 1) is (role in {R.HQ_ADMIN, R.HQ_FINANCE})


ROOT = Path(__file__).resolve().parents[2]


def _siyu(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "ENV": "development"}
    return subprocess.run(  # noqa: S603 (our own CLI, fixed arguments)
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _migrated_with_one_adjustment(tmp_path: Path) -> tuple[str, Path, list]:
    """A migrated SQLite file with one account, its ADJUST ledger row of 500 and that row's
    rollup, as `ledger.move` writes them; and the default commission plan the migration seeded."""
    path = tmp_path / "ledger.db"
    url = f"sqlite://{path}"
    migrated = _siyu(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(path) as connection:
        plan = connection.execute(
            "SELECT role, rate_bp FROM commission_rule ORDER BY role"
        ).fetchall()
        connection.execute(
            "INSERT INTO commission_account (owner_type, owner_id, pending_fen, available_fen,"
            " withdrawing_fen, withdrawn_fen, withdraw_day, withdraw_day_count, created_at)"
            " VALUES ('DISTRIBUTOR', 1, 0, 500, 0, 0, '', 0, '2026-01-01T00:00:00+00:00')"
        )
        connection.execute(
            "INSERT INTO ledger_entry (account_id, kind, pending_delta, available_delta,"
            " withdrawing_delta, withdrawn_delta, actor, reason, created_at)"
            " VALUES (1, 'ADJUST', 0, 500, 0, 0, 'test', 'seed', '2026-01-01T00:00:00+00:00')"
        )
        connection.execute(
            "INSERT INTO commission_day (day, account_id, role, accrued_fen, cancelled_fen,"
            " settled_fen, clawed_back_fen, withdrawn_fen, adjusted_fen)"
            " VALUES ('2026-01-01', 1, '', 0, 0, 0, 0, 0, 500)"
        )
    return url, path, plan


def test_check_ledger_passes_on_a_sound_ledger_and_fails_on_a_tampered_balance(tmp_path):
    url, path, plan = _migrated_with_one_adjustment(tmp_path)

    sound = _siyu(url, "check-ledger")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE commission_account SET available_fen = 499")
    tampered = _siyu(url, "check-ledger")

    assert plan == [("GUIDE_SERVICE", 200), ("LEVEL1", 1000), ("LEVEL2", 300), ("STORE_SHARE", 500)]
    assert (sound.returncode, sound.stdout.strip().splitlines()[-1]) == (
        0,
        "ledger OK: every account's balances equal its ledger sums"
        " and commission_day equals the ledger",
    )
    assert tampered.returncode == 1
    assert tampered.stdout.strip().splitlines() == [
        "account 1: balances (pending, available, withdrawing, withdrawn) (0, 499, 0, 0)"
        " != ledger sums (0, 500, 0, 0)"
    ]
    assert "ledger check FAILED: 1 account(s) and 0 commission_day row(s) differ" in (
        tampered.stderr
    )


def test_check_ledger_fails_listing_a_commission_day_row_that_differs_from_the_ledger(tmp_path):
    # given a sound ledger whose rollup lost 1 fen of the adjustment and gained a stray row
    url, path, _ = _migrated_with_one_adjustment(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE commission_day SET adjusted_fen = 499")
        connection.execute(
            "INSERT INTO commission_day (day, account_id, role, accrued_fen, cancelled_fen,"
            " settled_fen, clawed_back_fen, withdrawn_fen, adjusted_fen)"
            " VALUES ('2026-01-02', 1, 'LEVEL1', 700, 0, 0, 0, 0, 0)"
        )

    checked = _siyu(url, "check-ledger")

    assert checked.returncode == 1
    figures = (
        "accrued_fen, cancelled_fen, settled_fen, clawed_back_fen, withdrawn_fen, adjusted_fen"
    )
    assert checked.stdout.strip().splitlines() == [
        f"commission_day 2026-01-01 account 1 role '': rollup ({figures})"
        " (0, 0, 0, 0, 0, 499) != ledger (0, 0, 0, 0, 0, 500)",
        f"commission_day 2026-01-02 account 1 role 'LEVEL1': rollup ({figures})"
        " (700, 0, 0, 0, 0, 0) != ledger (0, 0, 0, 0, 0, 0)",
    ]
    assert "ledger check FAILED: 0 account(s) and 2 commission_day row(s) differ" in (
        checked.stderr
    )


def test_make_check_ledger_runs_the_check_on_the_configured_database(tmp_path):
    url, path, _ = _migrated_with_one_adjustment(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE commission_account SET available_fen = 499")
    env = {**os.environ, "DATABASE_URL": url, "ENV": "development"}

    made = subprocess.run(  # noqa: S603 (the repository's own Makefile)
        ["make", "--no-print-directory", f"VENV={sys.prefix}", "check-ledger"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert made.returncode != 0
    assert "account 1: balances (pending, available, withdrawing, withdrawn) (0, 499, 0, 0)" in (
        made.stdout
    )
