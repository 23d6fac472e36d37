"""`siyu demo`: the demo data set, loaded once into an empty database, with working logins."""

from __future__ import annotations

from api.demo import DEMO_PASSWORD, load_demo_data
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.members.models import Member, MemberIdentity
from domain.org.models import Staff, StaffRole, Store, StoreKind


async def _counts() -> dict[str, int]:
    return {
        "stores": await Store.all().count(),
        "direct": await Store.filter(kind=StoreKind.DIRECT).count(),
        "franchise": await Store.filter(kind=StoreKind.FRANCHISE).count(),
        **{role.value: await Staff.filter(role=role).count() for role in StaffRole},
        "categories": await Category.all().count(),
        "top_categories": await Category.filter(parent_id=None).count(),
        "products": await Product.all().count(),
        "on_sale": await Product.filter(status=ProductStatus.ON_SALE).count(),
        "skus": await Sku.all().count(),
        "zero_stock_skus": await Sku.filter(stock=0).count(),
        "members": await Member.all().count(),
        "identities": await MemberIdentity.all().count(),
        "phones": await Member.filter(phone__not_isnull=True).count(),
    }


EXPECTED = {
    "stores": 3,
    "direct": 2,
    "franchise": 1,
    "HQ_ADMIN": 1,
    "HQ_FINANCE": 1,
    "HQ_OPERATOR": 1,
    "STORE_MANAGER": 1,
    "GUIDE": 6,
    "categories": 14,
    "top_categories": 5,
    "products": 30,
    "on_sale": 26,
    "skus": 45,
    "zero_stock_skus": 5,
    "members": 200,
    "identities": 200,
    "phones": 100,
}


async def test_demo_loads_once_with_working_logins(api, capsys):
    """One load for every assertion: the demo runs ~2 s of real service calls."""
    # given an empty database, when the demo is loaded
    await load_demo_data(if_empty=True)
    # then it holds exactly the demo set and prints the logins
    assert await _counts() == EXPECTED
    assert f"admin     password {DEMO_PASSWORD}  HQ_ADMIN" in capsys.readouterr().out

    # when it is loaded again with --if-empty, then nothing changes
    await load_demo_data(if_empty=True)
    assert await _counts() == EXPECTED
    assert capsys.readouterr().out.strip() == "demo data already present"

    # when the printed admin login is used on the admin API, then it issues tokens
    data = await api.admin().data(
        'mutation { staffLogin(username: "admin", password: "%s") '
        "{ errors { code } tokens { accessToken } } }" % DEMO_PASSWORD
    )
    assert data["staffLogin"]["errors"] == []
    assert data["staffLogin"]["tokens"]["accessToken"]

    # when the printed member login is used on the shop API, then it is demo member 1's
    data = await api.shop().data(
        'mutation { login(code: "dev:demo-1") { tokens { accessToken } errors { code } } }'
    )
    assert data["login"]["errors"] == []
    assert await Member.all().count() == EXPECTED["members"]
