"""Business settings: every SPEC default readable, typed updates, audited, all-or-nothing."""

from domain.org.models import StaffRole
from domain.settings.definitions import DEFINITIONS
from domain.settings.models import Setting, SettingChange
from domain.settings.service import load_settings

SETTINGS = "{ settings { key value kind default } }"
UPDATE = """
mutation($changes: [SettingChangeInput!]!) {
  updateSettings(changes: $changes) { settings { key value } errors { code field } }
}
"""


async def test_every_spec_default_is_listed(api):
    client = (await api.staff(StaffRole.HQ_OPERATOR)).client

    data = await client.data(SETTINGS)

    values = {s["key"]: s["value"] for s in data["settings"]}
    assert len(values) == len(DEFINITIONS) == 90
    assert values["service.protection_days"] == "90"
    assert values["referral.bind_mode"] == '"FIRST_TOUCH"'
    assert values["distribution.levels"] == "2"
    assert values["order.free_shipping_threshold_fen"] == "9900"
    assert values["commission.max_share_bp"] == "4000"
    assert values["withdraw.min_fen"] == "1000"


async def test_update_is_typed_and_audited(api):
    session = await api.staff(StaffRole.HQ_OPERATOR)

    data = await session.client.data(
        UPDATE,
        {
            "changes": [
                {"key": "referral.bind_mode", "value": "last_touch"},
                {"key": "referral.bind_days", "value": "0"},
            ]
        },
    )

    assert data["updateSettings"]["errors"] == []
    settings = await load_settings()
    assert settings["referral.bind_mode"] == "LAST_TOUCH"
    assert settings["referral.bind_days"] == 0
    audit = await SettingChange.all().order_by("key")
    assert [(a.key, a.old_value, a.new_value, a.actor) for a in audit] == [
        ("referral.bind_days", "30", "0", f"staff:{session.staff.id}"),
        ("referral.bind_mode", '"FIRST_TOUCH"', '"LAST_TOUCH"', f"staff:{session.staff.id}"),
    ]


async def test_one_bad_value_refuses_every_change(api):
    client = (await api.staff(StaffRole.HQ_ADMIN)).client

    data = await client.data(
        UPDATE,
        {
            "changes": [
                {"key": "order.shipping_fen", "value": "500"},
                {"key": "distribution.levels", "value": "3"},
            ]
        },
    )

    assert data["updateSettings"] == {
        "settings": None,
        "errors": [{"code": "INVALID_SETTING", "field": "changes.1.value"}],
    }
    assert await Setting.all().count() == 0
    assert await SettingChange.all().count() == 0


async def test_unknown_key_is_refused(api):
    client = (await api.staff(StaffRole.HQ_ADMIN)).client

    data = await client.data(UPDATE, {"changes": [{"key": "nope", "value": "1"}]})

    assert data["updateSettings"]["errors"] == [
        {"code": "UNKNOWN_SETTING", "field": "changes.0.key"}
    ]
    assert await Setting.all().count() == 0
