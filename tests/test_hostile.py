"""Hostile text is inert wherever it is shown: config and database text in HTML, terminals,
CSV; secrets never shown (issue 14)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reminder.config import checker
from reminder.delivery.channels import email as email_channel
from reminder.delivery.rendering import TEMPLATES_DIR, Renderer
from reminder.delivery.wording import make_item
from tests.conftest import BASE, config_from, variant
from tests.delivery_harness import Harness

EVIL_LINK = '<a href="http://evil.example/login">请点此登录OA</a>'
EVIL_SCRIPT = "<script>alert(1)</script>"


def hostile_config() -> str:
    text = variant('title = "发布年度报告"', f"title = '{EVIL_LINK}'", BASE)
    text = variant('name = "办公室"', f'name = "{EVIL_SCRIPT}办公室"', text)
    text = variant('name = "各科室（单位）"', 'name = "<i>各科室</i>"', text)
    text = variant('limit = "每年1月31日前"', f"limit = '{EVIL_LINK}'", text)
    extra = f'requirement = "{EVIL_SCRIPT}"\nsection = "{EVIL_SCRIPT}"'
    return variant('due = "yearly 01-31"', f'due = "yearly 01-31"\n{extra}', text)


def test_every_config_text_is_escaped_in_every_html_part() -> None:
    config = config_from(
        hostile_config().replace("[settings]", '[settings]\nsignature = "<b>x</b>"')
    )
    renderer = Renderer()
    items = [
        make_item(
            config,
            config.calendar(),
            deadline_id="annual-report",
            kind=kind,
            role=role,
            due=date(2026, 1, 30),
            nominal_due=date(2026, 1, 31),
            period_key="2026",
            working_days_left=left,
            provisional_years=[2027],
        )
        for kind, role, left in (("due", "lead", 0), ("overdue", "cooperate", -2))
    ]
    for office in config.offices.values():
        for digest in (False, True):
            got = renderer.reminder("email", office, items, config=config, digest=digest)
            assert got.html is not None
            for raw in ("<a ", "<script", "<i>", "<b>x"):
                assert raw not in got.html, (raw, got.html)
            assert "&lt;script&gt;" in got.html and "&lt;a href=" in got.html


def test_html_templates_use_only_the_escaping_macros() -> None:
    """`_macros.j2` is compiled without escaping (it serves text and markdown): an HTML
    template importing it would print config text raw."""
    for path in sorted(Path(TEMPLATES_DIR).rglob("*html*.j2")):
        assert '"_macros.j2"' not in path.read_text(encoding="utf-8"), path


def _eleven_tasks(poison: str) -> str:
    return "".join(
        f'\n[[deadlines]]\nid = "t{i}"\ntitle = "{poison if i == 5 else ""}任务{i}"\n'
        f'lead = ["finance"]\ndue = "2026-03-31"\n'
        for i in range(11)
    )


def test_a_message_that_cannot_be_built_fails_alone_and_the_admin_is_told_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line separator reaching an email header (here: with check and folding both switched
    off, as an older file or a bug could) fails its own message; the ten others go out."""
    monkeypatch.setattr(checker, "unsafe_character", lambda value, lines: None)
    monkeypatch.setattr(email_channel, "one_line", lambda text: text)
    harness.write(_eleven_tasks("\\u2028"), digest=False)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    harness.tick("2026-03-31 09:00:30")
    mails = [m for m in harness.smtp.received if m.rcpt_tos == ["jck@example.gov.cn"]]
    assert len([m for m in mails if "任务" in m.message["Subject"]]) == 10
    failed = [r for r in harness.log(office_id="finance", channel="email") if r.status == "failed"]
    assert [r.deadline_id for r in failed] == ["t5"]
    assert (failed[0].error or "").startswith("cannot build the email message: ValueError: ")
    alerts = [m for m in harness.smtp.received if m.message["Subject"].startswith("【发送失败】")]
    assert len(alerts) == 1


def test_a_line_break_that_reaches_a_header_is_folded(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checker, "unsafe_character", lambda value, lines: None)
    harness.write(_eleven_tasks("\\u2028X-Injected: 1\\r\\n"), digest=False)
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    mails = [m for m in harness.smtp.received if "任务" in m.message["Subject"]]
    assert len(mails) == 11
    assert all(m.message["X-Injected"] is None for m in mails)
    assert "【到期】 X-Injected: 1 任务5（今日到期）" in {m.message["Subject"] for m in mails}
