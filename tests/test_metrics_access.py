"""/metrics (issue 24 item 4): the API token unless [web] public_metrics; labels from fixed
sets, so made-up methods cannot grow it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reminder.web.app import create_app
from tests.delivery_harness import Harness, web_context

SECRET = "metrics-secret-0123456789abcdefghij"
TOKEN = "metrics-token-0123456789abcdefghijk"


def client(harness: Harness, extra: str = "") -> TestClient:
    harness.write(extra)
    harness.start("2026-03-01 08:00")
    return TestClient(create_app(web_context(harness, SECRET, api_token=TOKEN)))


def test_metrics_need_the_api_token(harness: Harness) -> None:
    web = client(harness)
    assert web.get("/metrics").status_code == 401
    assert web.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert web.get("/metrics", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 401
    ok = web.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and "reminder_reminders" in ok.text
    assert web.get("/healthz").status_code == 200  # health stays public


def test_public_metrics_is_a_setting(harness: Harness) -> None:
    web = client(harness, "\n[web]\npublic_metrics = true\n")
    assert web.get("/metrics").status_code == 200


def test_made_up_methods_do_not_grow_the_metrics(harness: Harness) -> None:
    web = client(harness)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    web.request("X", "/healthz")
    web.get("/metrics", headers=auth)  # every label set there is, once
    sizes = []
    for batch in range(2):
        for i in range(300):
            web.request(f"X{batch}{i:04d}", "/healthz")
        sizes.append(len(web.get("/metrics", headers=auth).text))
    text = web.get("/metrics", headers=auth).text
    assert 'method="OTHER"' in text and "X0001" not in text
    assert sizes[1] - sizes[0] < 100  # counts grow, labels do not
