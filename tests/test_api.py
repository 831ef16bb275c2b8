"""The JSON API: bearer tokens, the OpenAPI description, reading and acting."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reminder import links
from reminder.web.app import create_app
from tests.delivery_harness import Harness, web_context

SECRET = "api-secret-0123456789abcdef"
API = "oa-system-token-0123456789"


@pytest.fixture
def api(harness: Harness) -> TestClient:
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    ctx = web_context(harness, SECRET, api_token=API)
    return TestClient(create_app(ctx))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_openapi_description_lists_the_api(api: TestClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/occurrences",
        "/api/v1/log",
        "/api/v1/statistics",
        "/api/v1/occurrences/{deadline}/{period}/{action}",
    }


def test_reading_needs_a_token(api: TestClient) -> None:
    assert api.get("/api/v1/occurrences").status_code == 401
    r = api.get("/api/v1/occurrences", headers=bearer("wrong"))
    assert r.status_code == 401 and r.json() == {"error": "invalid or expired token"}
    (row,) = api.get("/api/v1/occurrences", headers=bearer(API)).json()
    assert (row["deadline"], row["period"], row["light"], row["lead"]) == (
        "annual-report",
        "2026-03-31",
        "yellow",
        "legal",
    )
    log = api.get("/api/v1/log", headers=bearer(API), params={"office": "legal"}).json()
    assert log and {e["office"] for e in log} == {"legal"}
    assert api.get("/api/v1/log", headers=bearer(API), params={"since": "x"}).status_code == 400
    stats = api.get("/api/v1/statistics", headers=bearer(API), params={"period": "2026-03"})
    assert {r["office"] for r in stats.json()} >= {"legal"}


def test_an_office_token_reads_and_acts_for_its_office_only(
    api: TestClient, harness: Harness
) -> None:
    now = harness.clock.now()
    finance = bearer(links.issue("finance", links.OFFICE, now, SECRET))
    log = api.get("/api/v1/log", headers=finance, params={"office": "legal"}).json()
    assert {e["office"] for e in log} == {"finance"}  # its own, whatever it asks
    path = "/api/v1/occurrences/annual-report/2026-03-31"
    r = api.post(f"{path}/done", headers=finance, json={"office": "legal"})
    assert r.status_code == 403 and r.json() == {
        "error": "not-lead",
        "message": "只有牵头科室（法规信访科）或管理员可以办结此事项；配合科室可以签收和反馈。",
        "fields": {"action": "done", "lead": "法规信访科"},
    }
    r = api.post(f"{path}/feedback", headers=finance, json={"note": "数据已提供"})
    assert r.status_code == 200
    r = api.post(f"{path}/done", headers=bearer(API), json={"office": "legal", "note": "OA办结"})
    assert r.status_code == 200 and "marked done by legal" in r.json()["message"]
    r = api.post(f"{path}/done", headers=bearer(API), json={"office": "legal"})
    assert r.status_code == 409 and r.json()["error"] == "already-done"
    assert r.json()["message"].startswith("此事项已由法规信访科于2026-03-31 ")
    r = api.post(f"{path}/nonsense", headers=bearer(API), json={"office": "legal"})
    assert r.status_code == 404
    r = api.post(
        f"{path}/feedback", headers=bearer(API), json={"office": "legal", "note": "长" * 2001}
    )
    assert r.status_code == 400
