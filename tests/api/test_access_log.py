"""One JSON access line per request, with the operation and never the variables; no ANSI codes."""

from __future__ import annotations

import json
import logging

from api.logs import JsonFormatter

PROFILE = (
    "query StorefrontProducts($keyword: String) "
    "{ products(filter: {keyword: $keyword}) { totalCount } }"
)


async def test_each_request_writes_one_access_line_without_its_variables(api, caplog):
    with caplog.at_level(logging.INFO, logger="siyu.access"):
        response = await api.http.post(
            "/graphql?token=secret-in-the-query-string",
            json={"query": PROFILE, "variables": {"keyword": "+8613800000001"}},
            headers={"X-Request-Id": "req-7"},
        )
    assert response.status_code == 200, response.text
    [record] = [r for r in caplog.records if r.name == "siyu.access"]
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("message", "request_id", "method", "path", "status")} == {
        "message": "request",
        "request_id": "req-7",
        "method": "POST",
        "path": "/graphql",
        "status": 200,
    }
    assert line["operation"] == "query:StorefrontProducts"
    assert line["duration_ms"] >= 0
    assert "+8613800000001" not in json.dumps(line)
    assert "secret-in-the-query-string" not in json.dumps(line)


async def test_rest_routes_are_logged_too(api, caplog):
    with caplog.at_level(logging.INFO, logger="siyu.access"):
        response = await api.http.get("/healthz")
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "siyu.access"]
    assert (record.method, record.path, record.status, record.operation) == (
        "GET",
        "/healthz",
        200,
        None,
    )
    assert json.loads(JsonFormatter().format(record))["operation"] is None


def test_uvicorn_colour_copies_of_messages_stay_out_of_json_logs():
    record = logging.makeLogRecord(
        {"msg": "Started server process", "color_message": "\x1b[36mStarted\x1b[0m"}
    )
    line = JsonFormatter().format(record)
    assert "\x1b" not in line
    assert "color_message" not in json.loads(line)
