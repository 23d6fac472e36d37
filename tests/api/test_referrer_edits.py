"""HQ rebinds or unbinds a member's referrer (SPEC 21, 5.2; issue 16 item 6): with a reason,
audited in the binding history, effective from now and never retroactive; the guards of a
visit's binding (self, cycle, inactive) as errors; a compare-and-set on the binding in force."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from distribution.models import (
    BeneficiaryRole,
    CommissionEntry,
    Distributor,
    DistributorStatus,
    ReferralBinding,
    ShareTouch,
)
from domain import clock
from domain.org.models import StaffRole
from tests.api.test_attribution import buy
from tests.api.test_binding_rules import home_link, outcome_of
from tests.support.distribution import make_distributor
from tests.support.orders import pay
from tests.support.racing import race, require_postgres

REBIND = """
mutation($input: RebindReferrerInput!) {
  rebindReferrer(input: $input) {
    binding { id referrerId reason actor note endedAt inForce }
    errors { code field }
  }
}
"""
UNBIND = """
mutation($input: UnbindReferrerInput!) {
  unbindReferrer(input: $input) { binding { id } errors { code field } }
}
"""
HISTORY = """
query($memberId: ID!) {
  referralBindings(memberId: $memberId) {
    totalCount
    edges { node { referrerId reason actor note endedBy endNote inForce } }
  }
}
"""


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


async def bound_by_visit(api, referrer: Distributor):
    """A member who became `referrer`'s by opening their link (bound and touched)."""
    member = await api.member()
    assert await outcome_of(member, await home_link(referrer)) == "BOUND"
    binding = await ReferralBinding.get(member_id=member.member_id, ended_at__isnull=True)
    return member, binding


def rebind_input(member, referrer: Distributor, current, reason: str = "客户申诉，确认由B推荐"):
    return {
        "memberId": member.global_id,
        "referrerId": gid("Distributor", referrer.id),
        "currentBindingId": gid("ReferralBinding", current.id) if current else None,
        "reason": reason,
    }


async def rebind(session, variables: dict) -> dict:
    return (await session.client.data(REBIND, {"input": variables}))["rebindReferrer"]


async def history_rows(member_id: int) -> list[tuple]:
    rows = await ReferralBinding.filter(member_id=member_id).order_by("id")
    return [(r.referrer_id, r.reason, r.actor, r.note, r.ended_by, r.end_note) for r in rows]


async def state(member_id: int) -> tuple:
    """Everything an edit could change for the member."""
    touches = await ShareTouch.filter(member_id=member_id).values_list("distributor_id", flat=True)
    return (
        await history_rows(member_id),
        [b.ended_at for b in await ReferralBinding.filter(member_id=member_id).order_by("id")],
        touches,
    )


async def level1_entries() -> list[tuple]:
    return list(
        await CommissionEntry.filter(role=BeneficiaryRole.LEVEL1)
        .order_by("id")
        .values_list("order_id", "distributor_id", "amount_fen")
    )


async def test_an_operator_rebinds_with_a_reason_audited_in_the_history(api):
    a, b = await make_distributor(), await make_distributor()
    member, current = await bound_by_visit(api, a)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    start = clock.now()

    with clock.frozen_at(start):
        result = await rebind(operator, rebind_input(member, b, current))

    assert result["errors"] == []
    actor = f"staff:{operator.staff.id}"
    assert result["binding"]["referrerId"] == gid("Distributor", b.id)
    assert (result["binding"]["reason"], result["binding"]["actor"]) == ("ADMIN", actor)
    assert result["binding"]["inForce"] is True
    assert await history_rows(member.member_id) == [
        (a.id, "VISIT", f"member:{member.member_id}", None, actor, "客户申诉，确认由B推荐"),
        (b.id, "ADMIN", actor, "客户申诉，确认由B推荐", None, None),
    ]
    old, new = await ReferralBinding.filter(member_id=member.member_id).order_by("id")
    assert (old.ended_at, new.valid_from, new.expires_at) == (
        start,
        start,
        start + timedelta(days=30),
    )
    # The old referrer's last share touch went with the binding.
    assert await ShareTouch.filter(member_id=member.member_id).count() == 0
    history = await operator.client.data(HISTORY, {"memberId": member.global_id})
    nodes = [e["node"] for e in history["referralBindings"]["edges"]]
    assert history["referralBindings"]["totalCount"] == 2
    assert [(n["reason"], n["inForce"], n["endedBy"], n["endNote"]) for n in nodes] == [
        ("ADMIN", True, None, None),
        ("VISIT", False, actor, "客户申诉，确认由B推荐"),
    ]


async def test_a_rebind_is_never_retroactive(api):
    a, b = await make_distributor(), await make_distributor()
    member, current = await bound_by_visit(api, a)
    before = await buy(api, member)
    await pay(api, member.client, {"id": gid("Order", before.id)})
    admin = await api.staff(StaffRole.HQ_ADMIN)

    assert (await rebind(admin, rebind_input(member, b, current)))["errors"] == []
    after = await buy(api, member)
    await pay(api, member.client, {"id": gid("Order", after.id)})

    # 2 x 199.00 = 398.00 paid each time; level 1 earns 10%: 39.80 yuan.
    assert await level1_entries() == [(before.id, a.id, 3980), (after.id, b.id, 3980)]
    assert (before.level1_distributor_id, before.attribution["level1"]["rule"]) == (
        a.id,
        "last_share_within_window",
    )
    assert (after.level1_distributor_id, after.attribution["level1"]["rule"]) == (
        b.id,
        "bound_referrer",
    )


async def test_an_unbind_leaves_the_member_to_nobody_from_now(api):
    a = await make_distributor()
    member, current = await bound_by_visit(api, a)
    before = await buy(api, member)
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    result = (
        await operator.client.data(
            UNBIND,
            {
                "input": {
                    "memberId": member.global_id,
                    "currentBindingId": gid("ReferralBinding", current.id),
                    "reason": "刷单，解除绑定",
                }
            },
        )
    )["unbindReferrer"]
    after = await buy(api, member)

    assert result == {"binding": None, "errors": []}
    assert await history_rows(member.member_id) == [
        (
            a.id,
            "VISIT",
            f"member:{member.member_id}",
            None,
            f"staff:{operator.staff.id}",
            "刷单，解除绑定",
        )
    ]
    assert (before.level1_distributor_id, after.level1_distributor_id) == (a.id, None)
    # A later visit may bind the member again.
    assert await outcome_of(member, await home_link(await make_distributor())) == "BOUND"


async def test_a_member_bound_to_nobody_is_bound_with_a_null_current_binding(api):
    member = await api.member()
    b = await make_distributor()
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    result = await rebind(operator, rebind_input(member, b, None, "线下推荐补录"))

    assert result["errors"] == []
    assert await history_rows(member.member_id) == [
        (b.id, "ADMIN", f"staff:{operator.staff.id}", "线下推荐补录", None, None)
    ]


async def _refused(api, make_input, code: str, field: str) -> None:
    a = await make_distributor()
    member, current = await bound_by_visit(api, a)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    before = await state(member.member_id)

    result = await rebind(operator, await make_input(member, current))

    assert result == {"binding": None, "errors": [{"code": code, "field": field}]}
    assert await state(member.member_id) == before
    assert before[2] == [a.id]  # the touch is still there


async def test_binding_a_member_to_themselves_is_refused(api):
    async def own(member, current):
        return rebind_input(member, await make_distributor(member.member_id), current)

    await _refused(api, own, "REFERRAL_SELF", "input.referrerId")


async def test_binding_a_member_to_their_own_downline_is_refused(api):
    async def downline(member, current):
        mine = await make_distributor(member.member_id)
        child = await make_distributor(upline=mine)
        grandchild = await make_distributor(upline=child)
        return rebind_input(member, grandchild, current)

    await _refused(api, downline, "REFERRAL_CYCLE", "input.referrerId")


async def test_binding_to_a_frozen_distributor_is_refused(api):
    async def frozen(member, current):
        frozen_one = await make_distributor(status=DistributorStatus.FROZEN)
        return rebind_input(member, frozen_one, current)

    await _refused(api, frozen, "DISTRIBUTOR_INACTIVE", "input.referrerId")


async def test_binding_to_an_unknown_distributor_is_refused(api):
    async def unknown(member, current):
        variables = rebind_input(member, await make_distributor(), current)
        variables["referrerId"] = gid("Distributor", 999_999)
        return variables

    await _refused(api, unknown, "NOT_FOUND", "input.referrerId")


async def test_an_edit_from_a_stale_view_is_refused(api):
    async def stale(member, current):
        return rebind_input(member, await make_distributor(), None)  # saw no binding

    await _refused(api, stale, "REFERRAL_CHANGED", "input.currentBindingId")


async def test_rebinding_to_the_referrer_in_force_is_refused(api):
    async def same(member, current):
        return rebind_input(member, await Distributor.get(id=current.referrer_id), current)

    await _refused(api, same, "INVALID", "input.referrerId")


async def test_a_blank_reason_is_refused(api):
    async def blank(member, current):
        return rebind_input(member, await make_distributor(), current, reason="   ")

    await _refused(api, blank, "REQUIRED", "input.reason")


async def test_two_edits_from_the_same_view_cannot_both_win(api, backend, postgres_database_url):
    require_postgres(backend)
    a = await make_distributor()
    member, current = await bound_by_visit(api, a)
    targets = [await make_distributor() for _ in range(4)]
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    def request(target: Distributor) -> dict:
        variables = {"input": rebind_input(member, target, current)}
        return {
            "path": "/admin/graphql",
            "token": operator.client.token,
            "json": {"query": REBIND, "variables": variables},
        }

    results = await race(postgres_database_url, [[request(t)] for t in targets])

    codes = sorted(
        (r["body"]["data"]["rebindReferrer"]["errors"] or [{"code": "OK"}])[0]["code"]
        for r in results
    )
    assert codes == ["OK"] + ["REFERRAL_CHANGED"] * 3
    rows = await ReferralBinding.filter(member_id=member.member_id).order_by("id")
    assert len(rows) == 2
    assert [row.ended_at is None for row in rows] == [False, True]
    assert rows[1].referrer_id in {t.id for t in targets}
