"""Production refuses unsafe configuration; the WECHAT provider logs members in end to end."""

import pytest

from api.app import create_app
from api.config import AppConfig, ConfigError
from domain.members.models import Member, MemberIdentity
from tests.fakes.wechat import running_fake_wechat
from tests.support.api import ApiFactory, Client

STRONG = "a-production-secret-of-more-than-32-bytes!!"


@pytest.mark.parametrize(
    "settings",
    [
        {"env": "production", "jwt_secret": STRONG, "login_provider": "DEV"},
        {"env": "production", "login_provider": "WECHAT", "wechat_app_secret": "s"},
        {"env": "production", "jwt_secret": "short", "login_provider": "WECHAT"},
        {"env": "production", "jwt_secret": STRONG, "login_provider": "WECHAT"},
        {"env": "development", "jwt_secret": "too-short-for-hs256"},
        {
            "env": "production",
            "jwt_secret": STRONG,
            "login_provider": "WECHAT",
            "wechat_app_secret": "s",
            "payment_provider": "SANDBOX",
        },
    ],
)
def test_unsafe_configuration_refuses_to_start(settings):
    with pytest.raises(ConfigError):
        create_app(AppConfig(**settings), manage_database=False)


LOGIN = (
    'mutation { login(code: "%s") { member { id } tokens { accessToken } errors { code field } } }'
)
BIND = 'mutation { bindPhone(code: "%s") { member { phone } errors { code } } }'


async def test_wechat_login_and_phone_through_the_api(db):
    async with running_fake_wechat("wx-app", "app-secret") as wechat:
        wechat.register_code("code-1", "openid-1", "union-1")
        wechat.register_phone_code("phone-1", "13800001111")
        api = ApiFactory(
            login_provider="WECHAT",
            wechat_app_id="wx-app",
            wechat_app_secret="app-secret",
            wechat_api_base_url=wechat.base_url,
        )
        login = (await api.shop().data(LOGIN % "code-1"))["login"]
        reused = (await api.shop().data(LOGIN % "code-1"))["login"]
        member = Client(api.http, "/graphql", token=login["tokens"]["accessToken"])
        bound = (await member.data(BIND % "phone-1"))["bindPhone"]

        assert login["errors"] == []
        assert reused == {
            "member": None,
            "tokens": None,
            "errors": [{"code": "INVALID_LOGIN_CODE", "field": "code"}],
        }
        assert bound == {"member": {"phone": "+8613800001111"}, "errors": []}
        identity = await MemberIdentity.get(openid="openid-1")
        assert (identity.provider, identity.app_id, identity.unionid) == (
            "WECHAT",
            "wx-app",
            "union-1",
        )
        assert await Member.all().count() == 1
