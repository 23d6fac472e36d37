"""Catalog administration (HQ_OPERATOR): create and update, refusals change nothing."""

from api.graphql.ids import to_global_id
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.org.models import StaffRole
from tests.support.catalog import make_category, make_product

CREATE_PRODUCT = """
mutation($input: ProductInput!, $skus: [SkuInput!]!) {
  createProduct(input: $input, skus: $skus) {
    product { id title status commissionEnabled skus { code priceFen stock commissionL1Fen
      specs { name value } } }
    errors { code field }
  }
}
"""
UPDATE_SKU = """
mutation($id: ID!, $input: SkuInput!) {
  updateSku(id: $id, input: $input) { sku { priceFen stock } errors { code field } }
}
"""


async def operator(api):
    return (await api.staff(StaffRole.HQ_OPERATOR)).client


async def test_create_product_with_skus(api):
    client = await operator(api)
    category = await make_category()

    data = await client.data(
        CREATE_PRODUCT,
        {
            "input": {
                "title": "玻尿酸面霜",
                "categoryId": to_global_id("Category", category.id),
                "status": "ON_SALE",
                "images": ["https://img.example.com/1.jpg"],
            },
            "skus": [
                {
                    "code": "FACE-50",
                    "priceFen": 19900,
                    "stock": 10,
                    "specs": [{"name": "规格", "value": "50ml"}],
                    "commissionL1Fen": 1500,
                },
                {"code": "FACE-100", "priceFen": 29900, "stock": 0},
            ],
        },
    )

    result = data["createProduct"]
    assert result["errors"] == []
    assert result["product"]["title"] == "玻尿酸面霜"
    assert result["product"]["status"] == "ON_SALE"
    assert result["product"]["commissionEnabled"] is True
    assert result["product"]["skus"] == [
        {
            "code": "FACE-50",
            "priceFen": 19900,
            "stock": 10,
            "commissionL1Fen": 1500,
            "specs": [{"name": "规格", "value": "50ml"}],
        },
        {"code": "FACE-100", "priceFen": 29900, "stock": 0, "commissionL1Fen": None, "specs": []},
    ]
    assert (await Product.get(title="玻尿酸面霜")).min_price_fen == 19900


async def test_bad_sku_refuses_the_whole_product(api):
    client = await operator(api)
    category = await make_category()
    skus = [
        {"code": "OK-1", "priceFen": 100, "stock": 1},
        {"code": "BAD", "priceFen": 0, "stock": 1},
    ]

    data = await client.data(
        CREATE_PRODUCT,
        {
            "input": {"title": "x", "categoryId": to_global_id("Category", category.id)},
            "skus": skus,
        },
    )

    assert data["createProduct"] == {
        "product": None,
        "errors": [{"code": "OUT_OF_RANGE", "field": "skus.1.priceFen"}],
    }
    assert await Product.all().count() == 0
    assert await Sku.all().count() == 0


async def test_duplicate_sku_code_is_refused(api):
    client = await operator(api)
    category = await make_category()
    existing = await make_product(category)
    code = (await Sku.get(product_id=existing.id)).code

    data = await client.data(
        CREATE_PRODUCT,
        {
            "input": {"title": "y", "categoryId": to_global_id("Category", category.id)},
            "skus": [{"code": code, "priceFen": 100, "stock": 1}],
        },
    )

    assert data["createProduct"]["errors"] == [{"code": "DUPLICATE", "field": "skus"}]
    assert await Product.all().count() == 1


async def test_categories_have_at_most_two_levels(api):
    client = await operator(api)
    top = await make_category("护肤")
    child = await make_category("面霜", top)

    data = await client.data(
        'mutation($p: ID) { createCategory(name: "晚霜", parentId: $p) '
        "{ category { name } errors { code field } } }",
        {"p": to_global_id("Category", child.id)},
    )

    assert data["createCategory"] == {
        "category": None,
        "errors": [{"code": "CATEGORY_DEPTH", "field": "parentId"}],
    }
    assert await Category.all().count() == 2


async def test_update_sku_price_refreshes_the_products_list_price(api):
    client = await operator(api)
    category = await make_category()
    product = await make_product(category, (5000, 8000))
    cheapest = await Sku.filter(product_id=product.id).order_by("price_fen").first()

    data = await client.data(
        UPDATE_SKU,
        {
            "id": to_global_id("Sku", cheapest.id),
            "input": {"code": cheapest.code, "priceFen": 9000, "stock": 3},
        },
    )

    assert data["updateSku"] == {"sku": {"priceFen": 9000, "stock": 3}, "errors": []}
    assert (await Product.get(id=product.id)).min_price_fen == 8000


async def test_update_product_status_and_wrong_id_type(api):
    client = await operator(api)
    product = await make_product(await make_category())
    query = (
        "mutation($id: ID!, $input: ProductInput!) { updateProduct(id: $id, input: $input) "
        "{ product { status } errors { code field } } }"
    )

    moved = await client.data(
        query, {"id": to_global_id("Product", product.id), "input": {"status": "OFF_SALE"}}
    )
    wrong = await client.data(
        query, {"id": to_global_id("Sku", product.id), "input": {"status": "ON_SALE"}}
    )

    assert moved["updateProduct"] == {"product": {"status": "OFF_SALE"}, "errors": []}
    assert wrong["updateProduct"] == {
        "product": None,
        "errors": [{"code": "INVALID_ID", "field": "id"}],
    }
    assert (await Product.get(id=product.id)).status == ProductStatus.OFF_SALE
