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
