"""What a distributor's poster shows, read for one (link, template) request: only the link's
owner may ask (anyone else: NOT_FOUND, as for a link that does not exist), only an enabled
template, and only a product link (the poster shows the product). Members ask in the shop API,
guides in the admin API."""

from __future__ import annotations

from dataclasses import dataclass

from distribution.models import Distributor, ShareLink, ShareTarget
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


async def subject(distributor: Distributor | None, link_id: int, template_id: int) -> PosterSubject:
    """What `distributor`'s poster of the link shows (a member's nickname and avatar, a guide's
    name and no avatar); NOT_FOUND for a link that is not theirs."""
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
    nickname, avatar_url = distributor.display_name, ""
    if distributor.member_id is not None:
        member = await Member.get(id=distributor.member_id)
        nickname, avatar_url = nickname or member.nickname, member.avatar_url
    return PosterSubject(
        link=link,
        template=template,
        product=product,
        nickname=nickname,
        avatar_url=avatar_url,
    )
