"""What a distributor's poster shows, read for one (link, template) request: only the link's
owner may ask (anyone else: NOT_FOUND, as for a link that does not exist), only an enabled
template, and only a product link (the poster shows the product)."""

from __future__ import annotations

from dataclasses import dataclass

from distribution.distributors import for_member
from distribution.models import ShareLink, ShareTarget
from distribution.posters.models import PosterTemplate
from distribution.posters.templates import enabled_template
from domain.catalog.models import Product, ProductStatus
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member


@dataclass(frozen=True)
class PosterSubject:
    link: ShareLink
    template: PosterTemplate
    product: Product
    nickname: str
    avatar_url: str


async def subject(member_id: int, link_id: int, template_id: int) -> PosterSubject:
    distributor = await for_member(member_id)
    link = None
    if distributor is not None:
        link = await ShareLink.get_or_none(id=link_id, distributor_id=distributor.id)
    if distributor is None or link is None:
        raise DomainError(ErrorCode.NOT_FOUND, "linkId")
    template = await enabled_template(template_id)
    if template is None:
        raise DomainError(ErrorCode.NOT_FOUND, "templateId")
    if link.target != ShareTarget.PRODUCT or link.target_id is None:
        raise DomainError(ErrorCode.INVALID, "linkId", "posters are made for product links")
    product = await Product.get_or_none(id=link.target_id)
    if product is None:
        raise DomainError(ErrorCode.NOT_FOUND, "linkId")
    if product.status != ProductStatus.ON_SALE:
        raise DomainError(ErrorCode.NOT_ON_SALE, "linkId")
    member = await Member.get(id=member_id)
    return PosterSubject(
        link=link,
        template=template,
        product=product,
        nickname=distributor.display_name or member.nickname,
        avatar_url=member.avatar_url,
    )
