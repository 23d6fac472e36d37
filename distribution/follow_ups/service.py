"""Recording and correcting follow-ups (SPEC 22).

Who may reach a follow-up follows who may reach its member (`MemberScope`: a guide their own
customers, a store manager the store's): another guide's customer's follow-up is NOT_FOUND,
exactly like a missing one, and when a customer is transferred their follow-ups go with them.
Only the author changes a follow-up, and only for 24 hours (`EDITABLE_FOR`); the time limit is
part of the guarded UPDATE, so an edit racing the deadline either lands before it or is
refused, never after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from distribution.follow_ups.models import FollowUp, FollowUpChannel, FollowUpOutcome
from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.members.queries import MemberScope, MemberSearch, searched_members
from domain.org.models import Staff
from domain.settings.service import get_setting
from domain.validation import clean_text

NOTE_MAX = 2000
EDITABLE_FOR = timedelta(hours=24)
# How far ahead a next date may be: a year, so a typo (2062) is caught.
NEXT_DATE_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class FollowUpInput:
    channel: FollowUpChannel
    outcome: FollowUpOutcome
    note: str = ""
    next_date: date | None = None


@dataclass(frozen=True)
class FollowUpChange:
    """What an edit replaces: None keeps the value (`clear_next_date` drops the next date)."""

    channel: FollowUpChannel | None = None
    outcome: FollowUpOutcome | None = None
    note: str | None = None
    next_date: date | None = None
    clear_next_date: bool = False


def visible_follow_ups(scope: MemberScope) -> QuerySet[FollowUp]:
    """The follow-ups of the members in scope (one statement with a subquery)."""
    if scope.everyone:
        return FollowUp.all()
    members = scope.narrow(searched_members(MemberSearch()))
    return FollowUp.filter(member_id__in=Subquery(members.values("id")))


def _note(text: str, field: str) -> str:
    return clean_text(text, field, NOTE_MAX, multiline=True, required=False)


def _next_date(value: date | None, field: str) -> date | None:
    if value is None:
        return None
    today = clock.to_shanghai(clock.now()).date()
    if not today <= value <= today + NEXT_DATE_HORIZON:
        raise DomainError(ErrorCode.OUT_OF_RANGE, field, "today .. a year ahead")
    return value


async def record_follow_up(
    author: Staff, scope: MemberScope, member_id: int, given: FollowUpInput
) -> FollowUp:
    """A new follow-up of a member in the author's scope, credited orders for
    `guide.follow_up_credit_days` from now."""
    note = _note(given.note, "input.note")
    next_date = _next_date(given.next_date, "input.nextDate")
    in_scope = await scope.narrow(searched_members(MemberSearch())).filter(id=member_id).exists()
    if not in_scope:
        raise DomainError(ErrorCode.NOT_FOUND, "input.memberId")
    moment = clock.now()
    days = await get_setting("guide.follow_up_credit_days")
    return await FollowUp.create(
        member_id=member_id,
        author_id=author.id,
        store_id=author.store_id,
        channel=given.channel,
        outcome=given.outcome,
        note=note,
        next_date=next_date,
        credit_until=moment + timedelta(days=days),
        created_at=moment,
        updated_at=moment,
    )


async def change_follow_up(
    author: Staff, scope: MemberScope, follow_up_id: int, change: FollowUpChange
) -> FollowUp:
    """The author's correction within 24 hours of recording; NOT_FOUND outside the scope,
    NOT_FOLLOW_UP_AUTHOR for anyone else who sees it, FOLLOW_UP_LOCKED once 24 hours passed."""
    found = await visible_follow_ups(scope).get_or_none(id=follow_up_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if found.author_id != author.id:
        raise DomainError(ErrorCode.NOT_FOLLOW_UP_AUTHOR, "id")
    values: dict[str, object] = {}
    if change.channel is not None:
        values["channel"] = change.channel
    if change.outcome is not None:
        values["outcome"] = change.outcome
    if change.note is not None:
        values["note"] = _note(change.note, "input.note")
    if change.clear_next_date:
        values["next_date"] = None
    elif change.next_date is not None:
        values["next_date"] = _next_date(change.next_date, "input.nextDate")
    moment = clock.now()
    changed = await FollowUp.filter(
        id=found.id, author_id=author.id, created_at__gt=moment - EDITABLE_FOR
    ).update(**values, updated_at=moment)
    if not changed:
        raise DomainError(ErrorCode.FOLLOW_UP_LOCKED, "id")
    return await FollowUp.get(id=found.id)
