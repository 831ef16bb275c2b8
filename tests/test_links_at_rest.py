"""No working link at rest (issue 24, item 3): a token is spelled one way only, and what the
sent log keeps, shows and exports has every link replaced by a marker."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from reminder import labels, links
from reminder.cli.main import main
from reminder.web.app import create_app
from tests.delivery_harness import KEY_LEGAL, Harness, web_context

SECRET = "rest-test-secret-7Hq2Lw9Xz4Kp8Rv3Nm6Bt1Yc"
NOW = datetime(2026, 3, 31, 1, 0, tzinfo=UTC)
TOKEN = re.compile(r"[a-z][a-z0-9_-]*\.(?:office|feed|occ-\d+)\.\d+\.[A-Za-z0-9_-]{24}")


def test_a_token_has_one_spelling_only() -> None:
    token = links.issue("legal", links.item(7), NOW, SECRET)
    assert links.verify(token, [SECRET], NOW).occurrence == 7
    head, mac = token.rsplit(".", 1)
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(mac[-1])
    sibling = (
        mac[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last ^ 1]
    )
    for variant in (
        token + "=",
        token + "====",
        f"{head}.{mac[:-1]}*",
        f"{head}.{mac}A",
        f"{head}.{mac[:-1]}",
        f"{head}.{sibling}",  # the same bytes but for the last character's unused bits
        token.replace(".", ".0", 2).replace(".0", ".", 1),  # a leading zero on the expiry
        " " + token,
    ):
        with pytest.raises(links.TokenError):
            links.verify(variant, [SECRET], NOW)


def test_redact_takes_out_every_token_and_nothing_else() -> None:
    item = links.issue("legal", links.item(7), NOW, SECRET)
    office = links.issue("legal", links.OFFICE, NOW, SECRET)
    text = (
        f"请打开：https://oa.example.gov.cn/r/i/{item}\n"
        f"[办理](https://oa.example.gov.cn/r/o/{office})\n"
        "文号 江建办通〔2027〕1号，版本 1.2.3，邮箱 a.b@example.gov.cn"
    )
    kept = links.redact(text, labels.LINK_MARKER)
    assert kept == (
        "请打开：https://oa.example.gov.cn/r/i/[链接]\n"
        "[办理](https://oa.example.gov.cn/r/o/[链接])\n"
        "文号 江建办通〔2027〕1号，版本 1.2.3，邮箱 a.b@example.gov.cn"
    )


WEB = '\n[web]\nbase_url = "http://testserver/reminder"\n'


def test_the_sent_log_its_page_and_its_export_keep_no_working_link(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REMINDER_SECRET", SECRET)
    harness.write(WEB)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    # What went out carries working links …
    robot = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    mail = [m.message.get_body(("plain",)).get_content() for m in harness.smtp.received]
    assert TOKEN.search(robot[-1]) and all(TOKEN.search(body) for body in mail)
    # … what is kept does not.
    rows = harness.log()
    bodies = [r.body for r in rows if r.body]
    assert bodies and not any(TOKEN.search(b) for b in bodies)
    assert all(labels.LINK_MARKER in b for b in bodies)
    code = main(["log", "--config", str(harness.path), "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0 and "[链接]" in out and not TOKEN.search(out)
    password = "pw-links-at-rest-2027"
    ctx = web_context(harness, SECRET, password=password)
    client = TestClient(create_app(ctx), follow_redirects=False)
    signed_in = client.post("/login", data={"name": "张三", "password": password})
    assert signed_in.status_code == 303
    # The cookie's path is [web] base_url's (/reminder); this client calls the app at /.
    for name, value in signed_in.cookies.items():
        client.cookies.set(name, value)
    page = client.get(f"/log/message/{rows[0].id}")
    assert page.status_code == 200 and "[链接]" in page.text and not TOKEN.search(page.text)


def test_bodies_kept_before_this_lose_their_links_on_the_daily_prune(harness: Harness) -> None:
    from sqlalchemy import update

    from reminder.app.retention import prune
    from reminder.store.engine import transaction
    from reminder.store.models import SentLogRow

    runtime = harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    (first, *_) = [r for r in harness.log() if r.body]
    token = links.issue("legal", links.item(first.occurrence_id or 1), NOW, SECRET)
    old = f"{first.body}\n请打开：http://testserver/reminder/i/{token}"
    with transaction(runtime.engine) as s:
        s.execute(update(SentLogRow).where(SentLogRow.id == first.id).values(body=old))
    prune(runtime.config, runtime.engine, NOW)
    (kept,) = [r.body for r in harness.log() if r.id == first.id]
    assert kept == f"{first.body}\n请打开：http://testserver/reminder/i/[链接]"
