"""Revoking an office's links (issue 24 item 3): `reminder links revoke --office ID` makes
every link already sent to it stop working (page, action, API, feed) while other offices'
links go on; its next messages carry links that work."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from reminder.cli.main import main
from reminder.web.app import create_app
from tests.delivery_harness import KEY_LEGAL, Harness, web_context

SECRET = "revoke-secret-0123456789abcdefghijk"
WEB = '\n[web]\nbase_url = "http://testserver/reminder"\n'
LINK = re.compile(r"http://testserver/reminder(/i/[^)\s]+)")


def test_revoked_links_stop_working_and_new_messages_carry_working_ones(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REMINDER_SECRET", SECRET)
    harness.write(
        WEB + '\n[[deadlines]]\nid = "second"\ntitle = "第二项"\nlead = ["legal"]\n'
        'cooperate = ["finance"]\ndue = "2026-04-30"\n'
    )
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    robot = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    (legal_old,) = LINK.findall(robot[-1])
    mail = [m for m in harness.smtp.received if "jck@example.gov.cn" in m.rcpt_tos]
    (finance,) = LINK.findall(mail[-1].message.get_body(("plain",)).get_content())
    web = TestClient(create_app(web_context(harness, SECRET)), follow_redirects=False)
    assert web.get(legal_old).status_code == 200

    assert main(["links", "revoke", "--config", str(harness.path), "--office", "legal"]) == 0
    assert "links of legal revoked" in capsys.readouterr().out
    refused = web.get(legal_old)
    assert refused.status_code == 403 and "不是本系统签发的" in refused.text
    assert web.get(finance).status_code == 200  # another office's links go on

    harness.tick("2026-04-30 09:00")  # the second task's due day: a new message to legal
    robot = [m.content for m in harness.wecom.received if m.key == KEY_LEGAL]
    fresh = LINK.findall(robot[-1])  # a digest: the old task's chase and the new one's due day
    assert fresh and legal_old not in fresh
    assert all(web.get(link).status_code == 200 for link in fresh)


def test_revoking_an_unknown_office_is_a_usage_error(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.start("2026-03-01 08:00")
    assert main(["links", "revoke", "--config", str(harness.path), "--office", "legl"]) == 2
    assert "no office 'legl'" in capsys.readouterr().err
