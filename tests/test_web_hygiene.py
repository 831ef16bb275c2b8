"""Request hygiene (issue 24 item 5): no redirect built from the Host header, and no link
token in a log line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from reminder import links
from reminder.web.app import create_app
from tests.delivery_harness import Harness, web_context

SECRET = "hygiene-secret-0123456789abcdefghij"


@pytest.fixture
def client(harness: Harness) -> TestClient:
    harness.start("2026-03-01 08:00")
    return TestClient(create_app(web_context(harness, SECRET)), follow_redirects=False)


def test_a_trailing_slash_is_not_redirected_to_the_host_the_client_names(
    client: TestClient,
) -> None:
    token = links.issue("legal", links.OFFICE, datetime(2026, 3, 1, tzinfo=UTC), SECRET)
    r = client.get(f"/o/{token}/", headers={"Host": "evil.example"})
    assert r.status_code == 404 and "location" not in r.headers
    r = client.get("/board/", headers={"Host": "evil.example"})
    assert r.status_code == 404 and "evil" not in r.headers.get("location", "")


def test_an_unexpected_error_logs_the_path_without_its_token(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(token: str) -> None:
        raise RuntimeError("a bug")

    client.app.add_api_route("/boom/{token}", boom)  # type: ignore[attr-defined]
    token = links.issue("legal", links.item(7), datetime(2026, 3, 1, tzinfo=UTC), SECRET)
    with caplog.at_level(logging.ERROR):
        r = client.get(f"/boom/{token}")
    assert r.status_code == 500 and "服务器出错" in r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/boom/[token]" in logged and token not in logged
    assert token not in caplog.text


PASSWORD = "hygiene-admin-password-0123"


@pytest.mark.parametrize(
    "path",
    [
        "/log?until=9999-12-31",
        "/log?since=0001-01-01",
        "/log?since=0001-01-01&until=9999-12-31",
        "/log.csv?until=9999-12-31",
        "/log?page=99999999999999999999999",
        "/log/message/99999999999999999999",
        "/log/message/-1",
        "/api/v1/log?until=9999-12-31",
        "/api/v1/log?since=0001-01-01T00:00:00",
    ],
)
def test_extreme_dates_and_ids_get_an_answer_not_a_server_error(
    harness: Harness, path: str
) -> None:
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    token = "hygiene-api-token-0123456789abcdefgh"
    web = TestClient(
        create_app(web_context(harness, SECRET, password=PASSWORD, api_token=token)),
        follow_redirects=False,
    )
    assert web.post("/login", data={"name": "张三", "password": PASSWORD}).status_code == 303
    r = web.get(path, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 400, 404), (r.status_code, r.text[:300])
