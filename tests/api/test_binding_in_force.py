""" "Binding in force" is one rule (SPEC 5.2): not ended, started, not expired. The ORM condition
and its SQL twin (the checkout's attribution statement) agree, and the distribution center's
team counts only bindings in force (it used to count one that had not started yet)."""

from datetime import timedelta

from distribution.models import ReferralBinding
from distribution.referrals import in_force_at, in_force_sql
from domain import clock, sql
from domain.members.models import Member
from domain.sql import Sql
from tests.support.distribution import make_distributor

TEAM = "{ distributionCenter { team { referredMembers } } }"


async def _bindings(referrer) -> dict[str, int]:
    """One binding per state, each for its own member: in force, not started, expired, ended."""
    now = clock.now()
    states = {
        "in_force": {},
        "not_started": {"valid_from": now + timedelta(hours=1)},
        "expired": {"expires_at": now - timedelta(seconds=1)},
        "ended": {"ended_at": now - timedelta(seconds=1)},
    }
    made = {}
    for name, fields in states.items():
        member = await Member.create(created_at=now, updated_at=now)
        binding = await ReferralBinding.create(
            member_id=member.id,
            referrer=referrer,
            reason="VISIT",
            actor="test",
            **{"valid_from": now - timedelta(days=1), **fields},
        )
        made[name] = binding.id
    return made


async def test_the_orm_rule_and_its_sql_twin_agree(api):
    referrer = await make_distributor()
    made = await _bindings(referrer)
    now = clock.now()
    statement = Sql(
        "tests.binding_in_force",
        f"SELECT b.id FROM referral_binding b WHERE {in_force_sql('b')}",  # noqa: S608
    )

    by_orm = await ReferralBinding.filter(in_force_at(now)).values_list("id", flat=True)
    by_sql = [row["id"] for row in await sql.fetch(statement, now=now)]

    assert by_orm == by_sql == [made["in_force"]]


async def test_the_team_counts_only_members_referred_now(api):
    member = await api.member()
    referrer = await make_distributor(member_id=member.member_id)
    await _bindings(referrer)

    data = await member.client.data(TEAM)

    assert data == {"distributionCenter": {"team": {"referredMembers": 1}}}
