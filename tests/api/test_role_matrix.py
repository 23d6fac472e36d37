"""The role matrix (SPEC 13), driven from the capability table: every admin root field declares
a capability; for each capability, the roles the table gives it pass the guard and every other
role gets FORBIDDEN with nothing changed in the database."""

import pytest
from tortoise import Tortoise

from api.admin.schema import schema
from api.auth.permissions import Public, declared_capability
from api.graphql.ids import to_global_id
from domain.access.capabilities import CAPABILITIES, Capability
from domain.org.models import StaffRole

R = StaffRole
MEMBER = to_global_id("Member", 1)
PERIOD = '{from: "2026-01-01", to: "2026-01-31"}'

# One call per admin root field (name → document); arguments are well-formed, so an allowed
# role gets an answer (data or a UserError), never a top-level error.
CALLS = {
    "viewer": "{ viewer { id } }",
    "members": "{ members { totalCount } }",
    "member": f'{{ member(id: "{MEMBER}") {{ id }} }}',
    "stores": "{ stores { totalCount } }",
    "staffMembers": "{ staffMembers { totalCount } }",
    "products": "{ products { totalCount } }",
    "categories": "{ categories { id } }",
    "orders": "{ orders { totalCount } }",
    "order": f'{{ order(id: "{to_global_id("Order", 1)}") {{ id }} }}',
    "refundRequests": "{ refundRequests { totalCount } }",
    "refundReasons": "{ refundReasons { code } }",
    "confirmRefundReturn": f'mutation {{ confirmRefundReturn(id: "{to_global_id("Refund", 1)}") '
    "{ errors { code } } }",
    "refundItem": f'mutation {{ refundItem(itemId: "{to_global_id("OrderItem", 1)}", '
    'reasonCode: "X") { errors { code } } }',
    "cancelPaidOrder": f'mutation {{ cancelPaidOrder(orderId: "{to_global_id("Order", 1)}", '
    'reasonCode: "X") { errors { code } } }',
    "saveRefundReason": 'mutation { saveRefundReason(input: {code: "X", textZh: "x", '
    'textEn: "x"}) { errors { code } } }',
    "settings": "{ settings { key } }",
    "myShareLinks": "{ myShareLinks { totalCount } }",
    "customerRelationships": f'{{ customerRelationships(memberId: "{MEMBER}") {{ totalCount }} }}',
    "commissionRules": "{ commissionRules { id } }",
    "commissionEntries": "{ commissionEntries { totalCount } }",
    "commissionAccounts": "{ commissionAccounts { totalCount } }",
    "jobRuns": "{ jobRuns { totalCount } }",
    "outboxMessages": "{ outboxMessages { totalCount } }",
    "retryOutboxMessage": "mutation { retryOutboxMessage("
    f'id: "{to_global_id("OutboxMessage", 1)}") {{ errors {{ code }} }} }}',
    "staffInbox": "{ staffInbox { totalCount } }",
    "staffInboxCounts": "{ staffInboxCounts { kind unread } }",
    "markStaffNoticesRead": "mutation { markStaffNoticesRead { marked errors { code } } }",
    "memberNotifications": f'{{ memberNotifications(memberId: "{MEMBER}") {{ totalCount }} }}',
    "notificationFigures": '{ notificationFigures(since: "2026-01-01T00:00:00Z") { sent } }',
    "refundsNeedingAttention": "{ refundsNeedingAttention { totalCount } }",
    "reconciliationRuns": "{ reconciliationRuns { totalCount } }",
    "reconciliationDifferences": "{ reconciliationDifferences { totalCount } }",
    "resolveReconciliationDifference": "mutation { resolveReconciliationDifference("
    f'id: "{to_global_id("ReconciliationDifference", 1)}", note: "n") {{ errors {{ code }} }} }}',
    "resolveRefund": f'mutation {{ resolveRefund(id: "{to_global_id("Refund", 1)}", '
    'resolution: ABANDONED, note: "n") { errors { code } } }',
    "withdrawals": "{ withdrawals { totalCount } }",
    "distributors": "{ distributors { totalCount } }",
    "distributorApplications": "{ distributorApplications { totalCount } }",
    "tiers": "{ tiers { totalCount } }",
    "couponTemplates": "{ couponTemplates { totalCount } }",
    "tags": "{ tags { totalCount } }",
    "segments": "{ segments { totalCount } }",
    "segment": f'{{ segment(id: "{to_global_id("Segment", 1)}") {{ id }} }}',
    "commissionReport": f"{{ commissionReport(period: {PERIOD}) {{ rowCount }} }}",
    "promoterRanking": f"{{ promoterRanking(period: {PERIOD}) {{ rowCount }} }}",
    "storePerformance": f"{{ storePerformance(period: {PERIOD}) {{ rowCount }} }}",
    "guidePerformance": f"{{ guidePerformance(period: {PERIOD}) {{ rowCount }} }}",
    "channelCohorts": f"{{ channelCohorts(period: {PERIOD}) {{ rowCount }} }}",
    "shareFunnel": f"{{ shareFunnel(period: {PERIOD}) {{ rowCount }} }}",
    "posterFunnel": f"{{ posterFunnel(period: {PERIOD}) {{ rowCount }} }}",
    "posterTemplates": "{ posterTemplates { totalCount } }",
    "sharePoster": f'mutation {{ sharePoster(linkId: "{to_global_id("ShareLink", 1)}", '
    f'templateId: "{to_global_id("PosterTemplate", 1)}") {{ errors {{ code }} }} }}',
    "uploadPosterImage": 'mutation { uploadPosterImage(contentBase64: "eA==") '
    "{ errors { code } } }",
    "createPosterTemplate": 'mutation { createPosterTemplate(input: {name: "x", '
    f'backgroundId: "{to_global_id("PosterImage", 1)}", boxes: {{code: {{x: 0, y: 0, '
    "width: 200, height: 200}}}) { errors { code } } }",
    "updatePosterTemplate": "mutation { updatePosterTemplate("
    f'id: "{to_global_id("PosterTemplate", 1)}", input: {{name: "x", '
    f'backgroundId: "{to_global_id("PosterImage", 1)}", boxes: {{code: {{x: 0, y: 0, '
    "width: 200, height: 200}}}) { errors { code } } }",
    "setPosterTemplateEnabled": "mutation { setPosterTemplateEnabled("
    f'id: "{to_global_id("PosterTemplate", 1)}", enabled: false) {{ errors {{ code }} }} }}',
    "staffLogin": 'mutation { staffLogin(username: "nobody", password: "x") { errors { code } } }',
    "refreshToken": 'mutation { refreshToken(refreshToken: "x") { errors { code } } }',
    "logout": "mutation { logout { ok } }",
    "changePassword": 'mutation { changePassword(oldPassword: "wrong", newPassword: "long enough '
    'new pw") { errors { code } } }',
    "createStore": 'mutation { createStore(input: {code: "X1", name: "新店", kind: DIRECT}) '
    "{ errors { code } } }",
    "createTag": 'mutation { createTag(name: "孕期") { errors { code } } }',
    "addMemberTag": f'mutation {{ addMemberTag(memberId: "{MEMBER}", tagId: "VGFnOjE=") '
    "{ errors { code } } }",
    "removeMemberTag": f'mutation {{ removeMemberTag(memberId: "{MEMBER}", tagId: "VGFnOjE=") '
    "{ errors { code } } }",
    "createSegment": 'mutation { createSegment(name: "复购", filter: {lifecycles: [REPEAT]}) '
    "{ errors { code } } }",
    "updateSegment": 'mutation { updateSegment(id: "U2VnbWVudDox", name: "x") '
    "{ errors { code } } }",
    "createStaff": 'mutation { createStaff(input: {username: "newbie", password: "long enough pw",'
    " role: HQ_FINANCE}) { errors { code } } }",
    "markStaffLeft": 'mutation { markStaffLeft(id: "%(guide)s") { errors { code } } }',
    "createCategory": 'mutation { createCategory(name: "面霜") { errors { code } } }',
    "updateCategory": 'mutation { updateCategory(id: "Q2F0ZWdvcnk6OTk5", name: "x") '
    "{ errors { code } } }",
    "createProduct": 'mutation { createProduct(input: {title: "T"}, skus: []) '
    "{ errors { code } } }",
    "updateProduct": 'mutation { updateProduct(id: "UHJvZHVjdDo5OTk=", input: {title: "T"}) '
    "{ errors { code } } }",
    "createSku": 'mutation { createSku(productId: "UHJvZHVjdDo5OTk=", input: {code: "C", '
    "priceFen: 100, stock: 1}) { errors { code } } }",
    "updateSku": 'mutation { updateSku(id: "U2t1Ojk5OQ==", input: {code: "C", priceFen: 100, '
    "stock: 1}) { errors { code } } }",
    "shipOrder": 'mutation { shipOrder(orderId: "T3JkZXI6MQ==", carrier: "SF", '
    'trackingNumber: "1") { errors { code } } }',
    "markReadyForPickup": 'mutation { markReadyForPickup(orderId: "T3JkZXI6MQ==") '
    "{ errors { code } } }",
    "verifyPickup": 'mutation { verifyPickup(code: "123456") { errors { code } } }',
    "reviewRefund": 'mutation { reviewRefund(id: "UmVmdW5kOjE=", approve: false) '
    "{ errors { code } } }",
    "updateSettings": 'mutation { updateSettings(changes: [{key: "order.shipping_fen", '
    'value: "500"}]) { errors { code } } }',
    "createShareLink": "mutation { createShareLink(input: {target: HOME}) { errors { code } } }",
    "signUpCustomer": 'mutation { signUpCustomer(phone: "+8613800000199") { errors { code } } }',
    "transferCustomers": 'mutation { transferCustomers(fromGuideId: "%(guide)s") '
    "{ errors { code } } }",
    "setCommissionRules": "mutation { setCommissionRules(rules: []) { errors { code } } }",
    "adjustCommission": 'mutation { adjustCommission(storeId: "U3RvcmU6OTk5", amountFen: 100, '
    'reason: "x") { errors { code } } }',
    "reviewWithdrawal": 'mutation { reviewWithdrawal(id: "V2l0aGRyYXdhbDox", approve: false) '
    "{ errors { code } } }",
    "payWithdrawal": 'mutation { payWithdrawal(id: "V2l0aGRyYXdhbDox") { errors { code } } }',
    "releaseWithdrawal": 'mutation { releaseWithdrawal(id: "V2l0aGRyYXdhbDox") '
    "{ errors { code } } }",
    "cancelWithdrawalTransfer": 'mutation { cancelWithdrawalTransfer(id: "V2l0aGRyYXdhbDox") '
    "{ errors { code } } }",
    "revealPayeeRealName": 'mutation { revealPayeeRealName(withdrawalId: "V2l0aGRyYXdhbDox", '
    'reason: "check") { errors { code } } }',
    "reviewDistributorApplication": "mutation { reviewDistributorApplication("
    'id: "RGlzdHJpYnV0b3JBcHBsaWNhdGlvbjox", approve: true) { errors { code } } }',
    "setDistributorStatus": 'mutation { setDistributorStatus(id: "RGlzdHJpYnV0b3I6MQ==", '
    "status: FROZEN) { errors { code } } }",
    "placeAssistedOrder": f'mutation {{ placeAssistedOrder(memberId: "{MEMBER}", '
    'idempotencyKey: "k", input: {lines: [], fulfilment: PICKUP}) { errors { code } } }',
    "updateTier": 'mutation { updateTier(id: "VGllcjo5OTk=", input: {name: "x"}) '
    "{ errors { code } } }",
    "adjustPoints": f'mutation {{ adjustPoints(memberId: "{MEMBER}", amount: 10, reason: "x") '
    "{ errors { code } } }",
    "createCouponTemplate": 'mutation { createCouponTemplate(input: {name: "券", kind: AMOUNT_OFF,'
    " totalStock: 1, amountFen: 100, validDays: 7}) { errors { code } } }",
    "updateCouponTemplate": 'mutation { updateCouponTemplate(id: "Q291cG9uVGVtcGxhdGU6OTk5", '
    'input: {name: "券", kind: AMOUNT_OFF, totalStock: 1, amountFen: 100, validDays: 7}) '
    "{ errors { code } } }",
    "issueCoupons": 'mutation { issueCoupons(templateId: "Q291cG9uVGVtcGxhdGU6OTk5", '
    f'memberIds: ["{MEMBER}"]) {{ errors {{ code }} }} }}',
    "setStoreTargets": 'mutation { setStoreTargets(input: {storeId: "U3RvcmU6OTk5", '
    'month: "2026-01"}) { errors { code } } }',
    "guideTasks": "{ guideTasks { totalCount } }",
    "guideTask": f'{{ guideTask(id: "{to_global_id("GuideTask", 1)}") {{ id }} }}',
    "guideTaskBatches": "{ guideTaskBatches { totalCount } }",
    "guideTaskCompletion": 'query { guideTaskCompletion(groupBy: GUIDE, from: "2026-01-01", '
    'to: "2026-01-31") { due } }',
    "guideCouponTemplates": "{ guideCouponTemplates { monthlyQuota } }",
    "guideCouponFigures": '{ guideCouponFigures(from: "2026-01-01", to: "2026-01-31") { issued } }',
    "contentItems": "{ contentItems { totalCount } }",
    "contentFunnel": f'{{ contentFunnel(id: "{to_global_id("ContentItem", 1)}") '
    "{ total { shares } } }",
    "createGuideTaskBatch": "mutation { createGuideTaskBatch(input: {segmentId: "
    f'"{to_global_id("Segment", 1)}", dueOn: "2999-01-01", instructions: "x"}}) '
    "{ errors { code } } }",
    "completeGuideTask": f'mutation {{ completeGuideTask(id: "{to_global_id("GuideTask", 1)}", '
    'outcome: "x") { errors { code } } }',
    "skipGuideTask": f'mutation {{ skipGuideTask(id: "{to_global_id("GuideTask", 1)}", '
    'reason: "x") { errors { code } } }',
    "setGuideCouponQuota": "mutation { setGuideCouponQuota(templateId: "
    f'"{to_global_id("CouponTemplate", 1)}", monthlyQuota: 5) {{ errors {{ code }} }} }}',
    "issueGuideCoupon": "mutation { issueGuideCoupon(templateId: "
    f'"{to_global_id("CouponTemplate", 1)}", memberId: "{MEMBER}") {{ errors {{ code }} }} }}',
    "createContentItem": 'mutation { createContentItem(input: {title: "t", shareText: "s", '
    'images: [], target: CAMPAIGN, campaign: "c", validFrom: "2026-01-01T00:00:00Z", '
    'validUntil: "2026-02-01T00:00:00Z"}) { errors { code } } }',
    "updateContentItem": f'mutation {{ updateContentItem(id: "{to_global_id("ContentItem", 1)}", '
    'input: {title: "t", shareText: "s", images: [], target: CAMPAIGN, campaign: "c", '
    'validFrom: "2026-01-01T00:00:00Z", validUntil: "2026-02-01T00:00:00Z"}) '
    "{ errors { code } } }",
    "shareContentItem": f'mutation {{ shareContentItem(id: "{to_global_id("ContentItem", 1)}") '
    "{ errors { code } } }",
    "referralBindings": f'{{ referralBindings(memberId: "{MEMBER}") {{ totalCount }} }}',
    "rebindReferrer": f'mutation {{ rebindReferrer(input: {{memberId: "{MEMBER}", '
    'referrerId: "RGlzdHJpYnV0b3I6OTk5", currentBindingId: null, reason: "x"}) '
    "{ errors { code } } }",
    "unbindReferrer": f'mutation {{ unbindReferrer(input: {{memberId: "{MEMBER}", '
    f'currentBindingId: "{to_global_id("ReferralBinding", 1)}", reason: "x"}}) '
    "{ errors { code } } }",
    "customers": "{ customers { totalCount } }",
    "customer": f'{{ customer(id: "{MEMBER}") {{ customer {{ id }} }} }}',
    "followUps": "{ followUps { totalCount } }",
    "guideOverview": f"{{ guideOverview(period: {PERIOD}) {{ rowCount }} }}",
    "recordFollowUp": f'mutation {{ recordFollowUp(input: {{memberId: "{MEMBER}", channel: CALL, '
    "outcome: REACHED}) { errors { code } } }",
    "updateFollowUp": f'mutation {{ updateFollowUp(id: "{to_global_id("FollowUp", 1)}", '
    "input: {}) { errors { code } } }",
}


def _root_fields() -> dict[str, object]:
    """Every root field of the admin schema by its GraphQL name, with its Strawberry field."""
    found = {}
    for root in (schema.query, schema.mutation):
        for field in root.__strawberry_definition__.fields:
            found[schema.config.name_converter.get_graphql_name(field)] = field
    return found


def _fields_declaring(capability: Capability) -> list[str]:
    return sorted(n for n, f in _root_fields().items() if declared_capability(f) == capability)


async def _database() -> dict[str, list[dict]]:
    """Every row of every table: a refused call must leave all of it as it was."""
    rows = {}
    for name, model in Tortoise.apps["models"].items():
        rows[name] = await model.all().order_by(model._meta.pk_attr).values()
    return rows


def test_every_admin_root_field_declares_a_capability_or_that_it_is_public():
    undeclared = [
        name
        for name, field in _root_fields().items()
        if declared_capability(field) is None
        and not any(isinstance(e, Public) for e in field.extensions)
    ]
    public = [
        n for n, f in _root_fields().items() if any(isinstance(e, Public) for e in f.extensions)
    ]

    assert undeclared == []
    assert sorted(public) == ["refreshToken", "staffLogin"]


def test_the_matrix_covers_every_capability_and_every_root_field_has_a_call():
    declared = {declared_capability(f) for f in _root_fields().values()} - {None}

    assert sorted(_root_fields()) == sorted(CALLS)
    # Capabilities that guard no root field are the table's data-visibility rules.
    assert set(CAPABILITIES) - declared == {
        Capability.DELIVERY_ADDRESS_READ,
        Capability.PERSONAL_DATA_UNMASKED,
    }


@pytest.mark.parametrize(
    "capability",
    sorted(
        set(CAPABILITIES) - {Capability.DELIVERY_ADDRESS_READ, Capability.PERSONAL_DATA_UNMASKED}
    ),
)
async def test_allowed_roles_pass_and_others_are_forbidden_with_nothing_changed(api, capability):
    fields = _fields_declaring(capability)
    target = await api.staff(R.GUIDE)
    arguments = {"guide": to_global_id("Staff", target.staff.id)}
    assert fields, capability

    for role in R:
        for name in fields:
            session = await api.staff(role)
            document = CALLS[name] % arguments if "%(" in CALLS[name] else CALLS[name]
            before = await _database() if role not in CAPABILITIES[capability] else None

            body = await session.client.gql(document)

            if before is None:
                assert "errors" not in body, (name, role, body)
            else:
                codes = [e["extensions"]["code"] for e in body.get("errors", [])]
                assert codes == ["FORBIDDEN"], (name, role, body)
                assert body["data"] is None or not any(body["data"].values())
                assert await _database() == before, (name, role)


async def test_anonymous_admin_calls_are_unauthenticated_except_the_public_ones(api):
    for name, document in CALLS.items():
        if name in ("staffLogin", "refreshToken"):
            body = await api.admin().gql(document)
            assert "errors" not in body, (name, body)
            continue
        body = await api.admin().gql(document % {"guide": "U3RhZmY6MQ=="})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], name


async def test_store_roles_see_only_their_own_store(api):
    manager = await api.staff(R.STORE_MANAGER)
    other = await api.staff(R.STORE_MANAGER)

    data = await manager.client.data("{ stores { edges { node { id } } totalCount } }")

    assert data["stores"]["totalCount"] == 1
    assert data["stores"]["edges"][0]["node"]["id"] == to_global_id("Store", manager.staff.store_id)
    assert manager.staff.store_id != other.staff.store_id
