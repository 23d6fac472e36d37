"""`commissionAccounts`: every beneficiary's balances for HQ finance (SPEC 13), a store
manager's for their store, keyset pages at constant SQL."""

from api.graphql.ids import to_global_id
from distribution.ledger import Deltas, account_for, move
from distribution.models import AccountOwner, CommissionAccount, Distributor, LedgerKind
from domain.db import transaction
from domain.org.models import StaffRole, StoreKind
from tests.support.api import make_store
from tests.support.commission import assert_ledger_sound, distributor, paid_order, sku
from tests.support.sql import count_statements

R = StaffRole
ACCOUNTS = """
query($kind: CommissionAccountKind, $store: ID, $d: ID, $first: Int, $after: String) {
  commissionAccounts(kind: $kind, storeId: $store, distributorId: $d, first: $first,
                     after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id kind distributorId storeId name pending { fen } available { fen }
                   withdrawing { fen } withdrawn { fen } } }
  }
}
"""


async def _one_paid_order_for_four_beneficiaries(api) -> dict:
    """A paid 10000 order under the default plan: KOC k1 earns level 1 (1000), its upline k0
    level 2 (300), guide g of franchise store s the service share (200) and s 500. Then k1
    withdraws 600 of 1000 adjusted in by finance: 300 paid out, 300 still held."""
    k0 = await distributor(api)
    k1 = await distributor(api, upline=k0)
    store = await make_store(StoreKind.FRANCHISE)
    guide_session = await api.staff(R.GUIDE, store)
    g = guide_session.staff
    await paid_order(
        api,
        await api.member(),
        [(await sku(10000), 1)],
        level1_distributor_id=k1.id,
        level2_distributor_id=k0.id,
        service_store_id=store.id,
        service_guide_id=g.id,
    )
    account = await CommissionAccount.get(owner_type=AccountOwner.DISTRIBUTOR, owner_id=k1.id)
    async with transaction():
        await move(account.id, LedgerKind.ADJUST, Deltas(available=1000), actor="test")
        await move(account.id, LedgerKind.HOLD, Deltas(available=-600, withdrawing=600), actor="t")
        await move(account.id, LedgerKind.PAID, Deltas(withdrawing=-300, withdrawn=300), actor="t")
    return {
        "k0": k0,
        "k1": k1,
        "store": store,
        "guide": await Distributor.get(staff_id=g.id),
        "guide_session": guide_session,
    }


def _node(account_owner, kind, store, name, pending, available=0, withdrawing=0, withdrawn=0):
    return {
        "kind": kind,
        "distributorId": (
            None if kind == "STORE" else to_global_id("Distributor", account_owner.id)
        ),
        "storeId": to_global_id("Store", store.id) if store else None,
        "name": name,
        "pending": {"fen": pending},
        "available": {"fen": available},
        "withdrawing": {"fen": withdrawing},
        "withdrawn": {"fen": withdrawn},
    }


def _nodes(result) -> list[dict]:
    return [
        {k: v for k, v in e["node"].items() if k != "id"}
        for e in result["commissionAccounts"]["edges"]
    ]


async def test_finance_reads_every_beneficiarys_four_balances(api):
    # given accounts for a KOC, its upline, a guide and a franchise store
    made = await _one_paid_order_for_four_beneficiaries(api)
    finance = await api.staff(R.HQ_FINANCE)

    # when finance lists the accounts
    listed = await finance.client.data(ACCOUNTS)

    # then each shows its owner and its pending, available, withdrawing and withdrawn fen
    k0, k1, g, s = made["k0"], made["k1"], made["guide"], made["store"]
    assert sorted(_nodes(listed), key=lambda n: (n["kind"], n["pending"]["fen"])) == [
        _node(g, "GUIDE", s, g.display_name, 200),
        _node(k0, "KOC", None, k0.display_name, 300),
        _node(k1, "KOC", None, k1.display_name, 1000, 400, 300, 300),
        _node(s, "STORE", s, s.name, 500),
    ]
    await assert_ledger_sound()


async def test_accounts_filter_by_kind_store_and_distributor(api):
    made = await _one_paid_order_for_four_beneficiaries(api)
    admin = await api.staff(R.HQ_ADMIN)
    s, g, k1 = made["store"], made["guide"], made["k1"]
    store_id = to_global_id("Store", s.id)

    stores = await admin.client.data(ACCOUNTS, {"kind": "STORE"})
    guides = await admin.client.data(ACCOUNTS, {"kind": "GUIDE"})
    of_store = await admin.client.data(ACCOUNTS, {"store": store_id})
    of_k1 = await admin.client.data(ACCOUNTS, {"d": to_global_id("Distributor", k1.id)})
    kocs_of_store = await admin.client.data(ACCOUNTS, {"kind": "KOC", "store": store_id})

    assert [n["name"] for n in _nodes(stores)] == [s.name]
    assert [n["name"] for n in _nodes(guides)] == [g.display_name]
    assert sorted(n["kind"] for n in _nodes(of_store)) == ["GUIDE", "STORE"]
    assert [n["pending"]["fen"] for n in _nodes(of_k1)] == [1000]
    assert _nodes(kocs_of_store) == []


async def test_a_store_manager_reads_only_their_stores_accounts(api):
    made = await _one_paid_order_for_four_beneficiaries(api)
    own = await api.staff(R.STORE_MANAGER, made["store"])
    stranger = await api.staff(R.STORE_MANAGER)

    mine = await own.client.data(ACCOUNTS)
    theirs = await stranger.client.data(ACCOUNTS)
    asked_for_another = await stranger.client.data(
        ACCOUNTS, {"store": to_global_id("Store", made["store"].id)}
    )

    assert sorted(n["kind"] for n in _nodes(mine)) == ["GUIDE", "STORE"]
    assert _nodes(theirs) == []
    assert _nodes(asked_for_another) == []


async def test_a_guide_reads_only_their_own_account(api):
    made = await _one_paid_order_for_four_beneficiaries(api)
    g = made["guide"]
    guide_session = made["guide_session"]

    own = await guide_session.client.data(ACCOUNTS)
    asked_for_k1 = await guide_session.client.data(
        ACCOUNTS, {"d": to_global_id("Distributor", made["k1"].id)}
    )

    assert _nodes(own) == [_node(g, "GUIDE", made["store"], g.display_name, 200)]
    assert _nodes(asked_for_k1) == []


async def test_an_hq_operator_is_refused_balances(api):
    await _one_paid_order_for_four_beneficiaries(api)
    operator = await api.staff(R.HQ_OPERATOR)

    body = await operator.client.gql(ACCOUNTS)

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_a_malformed_store_id_is_a_bad_user_input_error(api):
    finance = await api.staff(R.HQ_FINANCE)

    body = await finance.client.gql(ACCOUNTS, {"store": to_global_id("Distributor", 1)})

    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "BAD_USER_INPUT", "userError": {"code": "INVALID_ID", "field": "storeId"}}
    ]


async def test_accounts_page_by_keyset_at_constant_sql(api):
    # given a store's and a distributor's accounts first, then the four of a paid order
    await account_for(AccountOwner.STORE, (await make_store()).id)
    await account_for(AccountOwner.DISTRIBUTOR, (await distributor(api)).id)
    await _one_paid_order_for_four_beneficiaries(api)
    finance = await api.staff(R.HQ_FINANCE)
    everyone = _nodes(await finance.client.data(ACCOUNTS))

    # when finance reads a page of 2 (one of each owner type) and one of all 6
    with count_statements() as small:
        first = (await finance.client.data(ACCOUNTS, {"first": 2}))["commissionAccounts"]
    with count_statements() as large:
        await finance.client.data(ACCOUNTS, {"first": 6})
    rest = await finance.client.data(ACCOUNTS, {"after": first["pageInfo"]["endCursor"]})

    # then the pages join up, and both cost: the staff, the page, its distributors, its stores
    assert len(everyone) == 6
    assert first["pageInfo"]["hasNextPage"] is True
    assert _nodes({"commissionAccounts": first}) + _nodes(rest) == everyone
    assert (small.count, large.count) == (4, 4)
