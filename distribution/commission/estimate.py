"""What a distributor would earn on a product (分销中心 "预估佣金", issue 16 item 6).

The estimate is accrual's own arithmetic (`calculation.item_shares`) run on a hypothetical order
item: one unit of each SKU bought by a V0 member through the distributor's link. Nothing here is
a second formula; only the facts of the item are assumed:

- paid = the SKU's price. Decision: V0 is the entry tier, which carries no member discount in the
  shipped loyalty plan; coupons and points are the buyer's own and are not foreseeable.
- beneficiaries = LEVEL1 (this distributor) and, while `distribution.levels` is 2, LEVEL2 (their
  ACTIVE upline, as attribution would snapshot it), so the cap is shared the way accrual shares
  it. A guide's service share and a franchise store's share depend on the buyer's service
  relationship, unknown in advance, so they are left out: the estimate is an upper bound when
  they apply and the cap bites.
- only the LEVEL1 share is reported: what this distributor earns.
- a product with commission disabled, an inactive distributor, or no distributor estimates 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from distribution.commission.calculation import ItemFacts, Rule, item_shares
from distribution.commission.rules import rules_in_force
from distribution.models import BeneficiaryRole, Distributor, DistributorKind, DistributorStatus
from domain import clock
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.settings.service import load_settings


@dataclass(frozen=True)
class SkuEstimate:
    sku_id: int
    price_fen: int
    level1_fen: int


async def estimate_product(distributor_id: int | None, product_id: int) -> list[SkuEstimate]:
    """Level-1 commission per SKU of `product_id` (by SKU id) for one unit at V0 price; an empty
    list when no such product is on sale. Constant statements whatever the number of SKUs."""
    product = await Product.get_or_none(id=product_id, status=ProductStatus.ON_SALE)
    if product is None:
        return []
    skus = await Sku.filter(product_id=product_id).order_by("id")
    beneficiaries = await _beneficiaries(distributor_id)
    if not beneficiaries or not product.commission_enabled:
        return [SkuEstimate(s.id, s.price_fen, 0) for s in skus]
    settings = await load_settings()
    if settings["distribution.levels"] != 2:
        beneficiaries.pop(BeneficiaryRole.LEVEL2, None)
    parent_id = (await Category.get(id=product.category_id)).parent_id
    # The same Protocol cast accrual relies on: a CommissionRule row is a calculation Rule.
    rules = cast(Sequence[Rule], await rules_in_force(clock.now()))
    estimates = []
    for sku in skus:
        facts = ItemFacts(
            sku_id=sku.id,
            product_id=product.id,
            category_id=product.category_id,
            parent_category_id=parent_id,
            paid_fen=sku.price_fen,
            quantity=1,
            commission_enabled=product.commission_enabled,
            sku_level1_fen=sku.commission_l1_fen,
            sku_level2_fen=sku.commission_l2_fen,
        )
        shares = item_shares(facts, beneficiaries, rules, settings["commission.max_share_bp"])
        level1 = sum(s.amount_fen for s in shares if s.role == BeneficiaryRole.LEVEL1)
        estimates.append(SkuEstimate(sku.id, sku.price_fen, level1))
    return estimates


async def _beneficiaries(
    distributor_id: int | None,
) -> dict[BeneficiaryRole, DistributorKind | None]:
    """LEVEL1 = the distributor when ACTIVE; LEVEL2 = their ACTIVE upline (levels permitting)."""
    if distributor_id is None:
        return {}
    distributor = await Distributor.get_or_none(id=distributor_id, status=DistributorStatus.ACTIVE)
    if distributor is None:
        return {}
    found: dict[BeneficiaryRole, DistributorKind | None] = {
        BeneficiaryRole.LEVEL1: distributor.kind
    }
    if distributor.upline_id:
        upline = await Distributor.get_or_none(
            id=distributor.upline_id, status=DistributorStatus.ACTIVE
        )
        if upline is not None:
            found[BeneficiaryRole.LEVEL2] = upline.kind
    return found
