"""HQ's view of the outbox through the admin API: dead letters listed without their payloads,
retried once; staff outside HQ refused (the role matrix checks every role)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.org.models import StaffRole
from domain.outbox import service
from domain.outbox.models import OutboxMessage, OutboxState

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)

MESSAGES = """
query($state: OutboxState, $topic: String) {
  outboxMessages(state: $state, topic: $topic) {
    totalCount
    edges { node { id topic key state attempts reason } }
  }
}
"""
RETRY = """
mutation($id: ID!) {
  retryOutboxMessage(id: $id) { message { key state attempts } errors { code field } }
}
"""


async def dead_letter(key: str, topic: str = "wechat.shipping") -> None:
    await service.enqueue(topic, key, {"openid": "o-secret"}, NOW)
    await OutboxMessage.filter(key=key).update(
        state=OutboxState.DEAD, attempts=12, reason="HTTP 503"
    )


async def test_an_operator_lists_dead_letters_and_retries_one(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await dead_letter("SY1")
    await dead_letter("SY2", topic="wechat.subscribe")
    await service.enqueue("wechat.shipping", "SY3", {}, NOW)

    listed = (await operator.client.data(MESSAGES, {"topic": "wechat.shipping"}))["outboxMessages"]
    assert listed["totalCount"] == 1
    node = listed["edges"][0]["node"]
    assert {k: node[k] for k in ("topic", "key", "state", "attempts", "reason")} == {
        "topic": "wechat.shipping",
        "key": "SY1",
        "state": "DEAD",
        "attempts": 12,
        "reason": "HTTP 503",
    }
    pending = (await operator.client.data(MESSAGES, {"state": "PENDING"}))["outboxMessages"]
    assert pending["totalCount"] == 1

    retried = (await operator.client.data(RETRY, {"id": node["id"]}))["retryOutboxMessage"]
    assert retried == {"message": {"key": "SY1", "state": "PENDING", "attempts": 0}, "errors": []}
    again = (await operator.client.data(RETRY, {"id": node["id"]}))["retryOutboxMessage"]
    assert again == {"message": None, "errors": [{"code": "INVALID_STATE", "field": "id"}]}
    assert await OutboxMessage.filter(state=OutboxState.DEAD).count() == 1


async def test_a_store_manager_cannot_see_the_outbox(api):
    manager = await api.staff(StaffRole.STORE_MANAGER)
    await dead_letter("SY1")
    body = await manager.client.gql(MESSAGES, {})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await OutboxMessage.filter(state=OutboxState.DEAD).count() == 1
