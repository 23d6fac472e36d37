"""HQ corrects a member's referrer (SPEC 21, 5.2): rebind to another distributor or unbind, with
a reason, audited in the binding history and effective from now.

Never retroactive: the binding in force ends now and the new one starts now. Orders keep the
attribution snapshot they were placed with (SPEC 8.4), so commission already accrued stays with
whoever earned it and only orders placed after the change can credit the new referrer.
The member's last share touch is dropped when it is the old referrer's: under LAST_SHARE it
would otherwise keep crediting the referrer HQ just removed for up to the attribution window.
A touch of anyone else is what the member did and stays. The upline snapshot of a member who is
already a distributor is not changed (SPEC 5.2: taken once, when they became one).

The guards of a visit's binding hold here too, as errors: never the member themselves
(REFERRAL_SELF), never a distributor in the member's downline (REFERRAL_CYCLE), only an ACTIVE
distributor (DISTRIBUTOR_INACTIVE). The edit is a compare-and-set on the binding in force: the
editor names the binding they saw (none: null), the member's row lock serialises edits and
visits of the member, and the guarded end of that binding (`ended_at` still null) makes a
second edit made from the same view fail with REFERRAL_CHANGED instead of silently winning.

Audit: the ended row says who ended it (`ended_by`), when (`ended_at`) and why (`end_note`);
the new row says who (`actor`), when (`valid_from`) and why (`note`), with reason `ADMIN`. Old
and new referrer are the two rows' referrers. An ADMIN binding lasts `referral.bind_days` like a
visit's; it does not grant the new-customer coupon (nobody was brought in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from distribution import referrals
from distribution.models import Distributor, DistributorStatus, ReferralBinding, ShareTouch
from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.settings.service import get_setting
from domain.validation import clean_text

ADMIN_REASON = "ADMIN"
REASON_MAX_LENGTH = 200


@dataclass(frozen=True)
class ReferrerEdit:
    """`referrer_id` None unbinds. `current_binding_id`: the binding in force the editor saw
    (None: none was in force)."""

    member_id: int
    referrer_id: int | None
    current_binding_id: int | None
    reason: str


async def edit_referrer(edit: ReferrerEdit, actor: str) -> ReferralBinding | None:
    """Apply the edit in one transaction; the binding in force afterwards (None after an
    unbind). Refusals change nothing."""
    reason = clean_text(edit.reason, "input.reason", REASON_MAX_LENGTH, multiline=True)
    referrer = await _active_referrer(edit.referrer_id)
    async with transaction():
        await _lock_member(edit.member_id)
        if referrer is not None:
            await _check_no_loop(edit.member_id, referrer)
        moment = clock.now()
        current = await referrals.in_force(edit.member_id, moment)
        if (current.id if current else None) != edit.current_binding_id:
            raise DomainError(ErrorCode.REFERRAL_CHANGED, "input.currentBindingId")
        if current is not None and referrer is not None and current.referrer_id == referrer.id:
            raise DomainError(ErrorCode.INVALID, "input.referrerId", "already the referrer")
        if current is not None:
            ended = await ReferralBinding.filter(id=current.id, ended_at__isnull=True).update(
                ended_at=moment, ended_by=actor, end_note=reason
            )
            if ended != 1:
                raise DomainError(ErrorCode.REFERRAL_CHANGED, "input.currentBindingId")
            await ShareTouch.filter(
                member_id=edit.member_id, distributor_id=current.referrer_id
            ).delete()
        # An expired binding left open ends too: one open row per member.
        await ReferralBinding.filter(member_id=edit.member_id, ended_at__isnull=True).update(
            ended_at=moment, ended_by=actor
        )
        if referrer is None:
            return None
        days = await get_setting("referral.bind_days")
        return await ReferralBinding.create(
            member_id=edit.member_id,
            referrer_id=referrer.id,
            reason=ADMIN_REASON,
            actor=actor,
            note=reason,
            valid_from=moment,
            expires_at=moment + timedelta(days=days) if days else None,
        )


async def _active_referrer(referrer_id: int | None) -> Distributor | None:
    if referrer_id is None:
        return None
    referrer = await Distributor.get_or_none(id=referrer_id)
    if referrer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "input.referrerId")
    if referrer.status != DistributorStatus.ACTIVE:
        raise DomainError(ErrorCode.DISTRIBUTOR_INACTIVE, "input.referrerId")
    return referrer


async def _lock_member(member_id: int) -> None:
    """The active member's row lock (as a visit takes it), held until the transaction ends."""
    locked = (
        await Member.filter(id=member_id, status=MemberStatus.ACTIVE)
        .only("id")
        .select_for_update()
        .first()
    )
    if locked is None:
        raise DomainError(ErrorCode.NOT_FOUND, "input.memberId")


async def _check_no_loop(member_id: int, referrer: Distributor) -> None:
    if referrer.member_id == member_id:
        raise DomainError(ErrorCode.REFERRAL_SELF, "input.referrerId")
    own = await Distributor.filter(member_id=member_id).first().values_list("id", flat=True)
    if own is not None and f"/{own}/" in referrer.ancestry:
        raise DomainError(ErrorCode.REFERRAL_CYCLE, "input.referrerId")
