"""The committed SDL is the contract: it must equal what the code prints (`siyu schema`)."""

import re

from api.schema import HERE, printed_schemas

SHOP_OPERATIONS = {"me", "products", "product", "categories", "stores"}
SHOP_MUTATIONS = {"login", "refreshToken", "logout", "bindPhone", "updateProfile"}
ADMIN_OPERATIONS = {"viewer", "members", "member", "settings"}
ADMIN_MUTATIONS = {
    "staffLogin",
    "refreshToken",
    "createStore",
    "createStaff",
    "updateSettings",
    "createCategory",
    "updateCategory",
    "createProduct",
    "updateProduct",
    "createSku",
    "updateSku",
}


def test_committed_sdl_matches_the_code():
    for name, text in printed_schemas().items():
        committed = (HERE / name).read_text(encoding="utf-8")
        assert committed == text, f"api/schema/{name} drifted: run `siyu schema` and commit"


def fields_of(sdl: str, type_name: str) -> set[str]:
    block = re.search(r"type %s \{(.*?)\n\}" % type_name, sdl, re.S).group(1)
    return set(re.findall(r"^\s+(\w+)[(:]", block, re.M))


def test_required_operation_names_exist():
    printed = printed_schemas()
    shop, admin = printed["shop.graphql"], printed["admin.graphql"]
    assert fields_of(shop, "Query") >= SHOP_OPERATIONS
    assert fields_of(shop, "Mutation") >= SHOP_MUTATIONS
    assert fields_of(admin, "Query") >= ADMIN_OPERATIONS
    assert fields_of(admin, "Mutation") >= ADMIN_MUTATIONS


def test_admin_only_types_and_fields_never_reach_the_shop_schema():
    shop = printed_schemas()["shop.graphql"]
    for admin_only in ("Staff", "SettingNode", "staffLogin", "commissionL1Fen", "StaffRole"):
        assert admin_only not in shop
