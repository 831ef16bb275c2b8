"""Hostile text is inert wherever it is shown: config and database text in HTML, terminals,
CSV; secrets never shown (issue 14)."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from pathlib import Path

import pytest

from reminder.cli.formats import table, to_csv
from reminder.cli.main import main
from reminder.config import checker
from reminder.delivery import rendering
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


BAD_URL = "https://[qyapi.weixin.qq.com/cgi-bin/webhook/send?key=s3cret-key-value"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_url_in_the_environment_that_does_not_parse_is_a_check_error_naming_the_variable(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_KEY_LEGAL", BAD_URL)
    code, out, err = run(capsys, "check", "--config", str(harness.path))
    assert (code, err) == (2, "")
    assert out == (
        f"{harness.path}:36: offices[1].wecom: WECOM_KEY_LEGAL does not hold a usable URL: it "
        "does not parse (Invalid IPv6 URL)\n"
        f"{harness.path}: 1 error(s) in the environment\n"
    )


def test_held_reminders_and_missing_addresses_are_said_once_a_day_not_every_tick(
    harness: Harness,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """cron mails what a tick prints: a standing condition is said when it begins and once a
    day after, not in every tick."""
    monkeypatch.setenv("WECOM_KEY_LEGAL", BAD_URL)
    cfg = str(harness.path)

    def tick(now: str) -> tuple[str, list[str]]:
        caplog.clear()
        code, out, _ = run(capsys, "tick", "--config", cfg, "--now", now)
        assert code == 0
        return out.strip().rpartition("sent: ")[2], [
            r.getMessage() for r in caplog.records if r.levelname == "WARNING"
        ]

    caplog.set_level("WARNING")
    said, warnings = tick("2026-03-31T09:00")
    assert said == "2 sent, 1 held"
    assert sum("not configured, reminders will be held" in w for w in warnings) == 1
    assert sum(w.startswith("held 1 reminder(s) for legal by wecom") for w in warnings) == 1
    for now in ["2026-03-31T09:30", "2026-03-31T10:00"]:  # the held row is looked at again
        assert tick(now) == ("nothing due", [])
    said, warnings = tick("2026-04-01T08:00")  # the next day, before its reminders: once more
    assert said == "1 still held"
    assert sum("not configured, reminders will be held" in w for w in warnings) == 1
    assert tick("2026-04-01T08:30") == ("nothing due", [])


def test_a_bad_url_holds_its_office_and_channel_and_the_rest_goes_out(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_KEY_LEGAL", BAD_URL)
    cfg = str(harness.path)
    code, out, _ = run(capsys, "tick", "--config", cfg, "--now", "2026-03-31T09:00")
    assert code == 0 and out.endswith("sent: 2 sent, 1 held\n"), out
    _, out, _ = run(capsys, "log", "--config", cfg, "--office", "legal", "--format", "json")
    (held,) = json.loads(out)
    assert (held["status"], held["error"]) == (
        "held",
        "offices.legal.wecom (${WECOM_KEY_LEGAL}) is not a usable URL: it does not parse "
        "(Invalid IPv6 URL)",
    )
    code, out, err = run(capsys, "send-test", "--config", cfg, "--office", "legal")
    assert code == 1 and "Traceback" not in err and "s3cret" not in out + err
    assert err == (
        "wecom: failed: offices.legal.wecom (${WECOM_KEY_LEGAL}) is not a usable URL: it does "
        "not parse (Invalid IPv6 URL)\n"
    )


def test_a_webhook_password_is_never_shown(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_URL", "http://user:pa55word@127.0.0.1:9/hook?token=t0ken")
    text = harness.path.read_text(encoding="utf-8").replace(
        'name = "办公室"\n', 'name = "办公室"\nwebhook = "${HOOK_URL}"\n'
    )
    harness.path.write_text(text.replace('lead = ["legal"]', 'lead = ["office"]'), encoding="utf-8")
    cfg = str(harness.path)
    run(capsys, "tick", "--config", cfg, "--now", "2026-03-31T09:00")
    _, out, _ = run(capsys, "log", "--config", cfg, "--channel", "webhook", "--format", "json")
    entries = json.loads(out)
    assert entries and {e["target"] for e in entries} == {"http://127.0.0.1:9/hook"}
    assert "pa55word" not in out and "t0ken" not in out


def test_terminal_tables_show_control_characters_instead_of_acting_on_them() -> None:
    got = table([{"error": "bad\x1b[2J\x1b]0;owned\x07 \u202etxt\n"}], [("error", "error")])
    assert got.splitlines()[2] == "bad\\x1b[2J\\x1b]0;owned\\x07 \\u202etxt\\x0a"


def test_csv_cells_that_look_like_formulas_are_defused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "schedules.toml"
    formula = '=HYPERLINK(""http://evil.example"",""点此"")'
    path.write_text(
        variant('title = "发布年度报告"', f"title = '{formula}'", BASE), encoding="utf-8"
    )
    args = ["--from", "2026-01-30", "--to", "2026-01-30", "--format", "csv"]
    code, out, _ = run(capsys, "preview", "--config", str(path), *args)
    assert code == 0
    assert out.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert {r["title"] for r in rows} == {"'" + formula}
    assert {r["working_days_left"] for r in rows} == {"0"}
    # Numbers stay numbers, negative ones too; text starting with - or + is text.
    assert (
        to_csv([{"n": -3, "t": "-3", "u": "+86"}], ["n", "t", "u"]) == "\ufeffn,t,u\r\n-3,'-3,'+86"
    )


def test_database_wal_shm_and_lock_files_are_private(tmp_path: Path) -> None:
    from sqlalchemy import text

    from reminder.store.engine import make_engine
    from reminder.store.lock import single_instance

    path = tmp_path / "reminder.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn, single_instance(engine):
        conn.execute(text("create table t (x integer)"))
        conn.execute(text("insert into t values (1)"))
        conn.commit()
        names = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    engine.dispose()
    assert names == {
        "reminder.db": 0o600,
        "reminder.db-wal": 0o600,
        "reminder.db-shm": 0o600,
        "reminder.db.lock": 0o600,
    }


def test_a_key_written_in_the_file_is_stored_as_a_fingerprint(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import create_engine, text

    written = harness.path.read_text(encoding="utf-8")
    harness.path.write_text(
        written.replace('wecom = "${WECOM_KEY_LEGAL}"', 'wecom = "literal-key-0123456789"'),
        encoding="utf-8",
    )
    code, _, _ = run(capsys, "sync", "--config", str(harness.path), "--now", "2026-03-02T09:00")
    assert code == 0
    engine = create_engine(os.environ["REMINDER_DATABASE_URL"])
    with engine.connect() as conn:
        stored = dict(conn.execute(text("select id, wecom from offices")).all())
    engine.dispose()
    assert stored["legal"].startswith("sha256:") and "literal" not in stored["legal"]
    assert stored["finance"] == "${WECOM_KEY_FINANCE}"


def test_a_template_linked_to_a_file_outside_the_templates_folder_is_refused(
    harness: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    custom = harness.use_templates("my-templates")
    (custom / "markdown.j2").symlink_to(secret)
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert code == 2
    assert out.splitlines()[0] == (
        f"{custom / 'markdown.j2'}: template: cannot be read: a link to a file outside the "
        "templates folder: refused"
    )


def test_a_template_that_never_ends_is_stopped_by_check(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendering, "RENDER_SECONDS", 0.5)
    custom = harness.use_templates("my-templates")
    (custom / "markdown.j2").write_text(
        "{% set r = range(1000) %}{% for i in r %}{% for j in r %}{% for k in r %}{{ k.real }}"
        "{% endfor %}{% endfor %}{% endfor %}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert code == 2
    assert out.splitlines()[0] == (
        f"{custom / 'markdown.j2'}:1: template: rendering took longer than 0.5 s: a loop that "
        "does not end?"
    )


def test_config_text_is_inert_in_wecom_markdown() -> None:
    link = "[请点此登录](http://evil.example/login)"
    text = variant(
        'title = "发布年度报告"', f'title = "{link}<font color=\\"warning\\">急</font>"', BASE
    )
    text = variant('name = "办公室"', 'name = "# 办公室"', text)
    config = config_from(text)
    items = [
        make_item(
            config,
            config.calendar(),
            deadline_id="annual-report",
            kind="due",
            role="lead",
            due=date(2026, 1, 30),
            nominal_due=date(2026, 1, 31),
            period_key="2026",
            working_days_left=0,
            provisional_years=[],
        )
    ]
    for digest in (False, True):
        got = Renderer().reminder(
            "wecom", config.offices["office"], items * 2, config=config, digest=digest
        )
        assert got.markdown is not None
        assert "](http" not in got.markdown and '<font color="warning">急' not in got.markdown
        assert "［请点此登录］(http://evil.example/login)＜font" in got.markdown


def test_a_template_range_is_small() -> None:
    from jinja2 import TemplateRuntimeError

    with pytest.raises(TemplateRuntimeError, match="range\\(\\) of 100000 items: at most 1000"):
        Renderer().env.from_string("{% for i in range(100000) %}{% endfor %}").render()
