"""The delivery commands end to end: tick, log, done, reopen, status, send-test, check, run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from reminder.cli.main import main
from tests.conftest import ROOT
from tests.delivery_harness import KEY_LEGAL, PASSWORD, Harness


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_tick_log_done_status(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(harness.path)
    code, out, _ = run(capsys, "tick", "--config", cfg, "--now", "2026-03-31T09:00")
    assert code == 0
    assert out.startswith("sync: offices 3 added; groups unchanged; deadlines 1 added;")
    assert out.endswith("sent: 3 sent\n")
    code, out, _ = run(capsys, "log", "--config", cfg, "--office", "legal", "--format", "json")
    (entry,) = json.loads(out)
    assert (
        entry["status"],
        entry["channel"],
        entry["target"],
        entry["deadline"],
        entry["kind"],
        entry["attempt"],
    ) == ("sent", "wecom", "key=lega…ijkl", "annual-report", "due", 1)
    assert entry["at"] == "2026-03-31T09:00:00+08:00"
    code, out, _ = run(
        capsys,
        "log",
        "--config",
        cfg,
        "--status",
        "sent",
        "--since",
        "2026-03-31",
        "--until",
        "2026-04-01",
    )
    assert out.splitlines()[-1] == "3 log entries"
    assert out.splitlines()[0].split() == [
        "at",
        "status",
        "office",
        "channel",
        "kind",
        "deadline",
        "period",
        "try",
        "target",
        "error",
    ]
    code, out, _ = run(capsys, "status", "--config", cfg, "--now", "2026-04-01T10:00")
    assert [line.split()[:4] for line in out.splitlines()[2:]] == [
        ["red", "2026-03-31", "-1", "annual-report"]
    ]
    code, out, _ = run(
        capsys,
        "done",
        "annual-report",
        "--config",
        cfg,
        "--office",
        "legal",
        "--note",
        "已发布",
        "--now",
        "2026-04-01T10:00",
    )
    assert code == 0 and out.startswith(
        "annual-report 2026-03-31 (due 2026-03-31) marked done by legal; "
    )
    code, out, _ = run(
        capsys, "status", "--config", cfg, "--now", "2026-04-01T10:00", "--format", "json"
    )
    (row,) = json.loads(out)
    assert (row["light"], row["done_by"], row["done_at"], row["note"]) == (
        "done",
        "legal",
        "2026-04-01 10:00",
        "已发布",
    )
    code, _, err = run(
        capsys,
        "done",
        "annual-report",
        "--config",
        cfg,
        "--office",
        "legal",
        "--now",
        "2026-04-01T11:00",
        "--period",
        "2026-03-31",
    )
    assert (code, err) == (
        2,
        "reminder: annual-report 2026-03-31 was already marked done by legal at 2026-04-01 10:00\n",
    )
    reopen = ["reopen", "annual-report", "--config", cfg, "--now", "2026-04-01T11:00"]
    code, _, err = run(capsys, *reopen, "--office", "finance")
    assert (code, err) == (
        2,
        "reminder: finance cooperates on annual-report; only its lead office(s) (legal) or an "
        "administrator may close or reopen it (an administrator: --by NAME)\n",
    )
    code, _, err = run(capsys, *reopen, "--office", "office")
    assert (code, err) == (
        2,
        "reminder: office is not on annual-report: it can do nothing with it\n",
    )
    code, out, _ = run(capsys, *reopen, "--office", "finance", "--by", "张三")
    assert code == 0 and "reopened by finance" in out


def test_status_lights(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    harness.write('remind = ["7d", "1wd", "0d"]')
    cfg = str(harness.path)
    run(capsys, "sync", "--config", cfg, "--now", "2026-03-01T09:00")
    lights = {}
    for day in ("2026-03-20", "2026-03-30", "2026-03-31", "2026-04-01"):
        _, out, _ = run(
            capsys, "status", "--config", cfg, "--now", f"{day}T09:00", "--format", "json"
        )
        lights[day] = json.loads(out)[0]["light"]
    assert lights == {
        "2026-03-20": "green",
        "2026-03-30": "yellow",
        "2026-03-31": "yellow",
        "2026-04-01": "red",
    }


def test_status_after_downtime_lists_every_missed_occurrence(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """A daily task is planned two days ahead, and of a stretch the service was down only the
    latest reminder is planned; the board still shows every day missed, and every day ahead to
    the horizon."""
    harness.write(
        '\n[[deadlines]]\nid = "daily-check"\ntitle = "每日巡查"\nlead = ["legal"]\n'
        'due = "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"\nremind = ["0d"]\n'
    )
    cfg = str(harness.path)
    run(capsys, "tick", "--config", cfg, "--now", "2026-03-02T09:00")
    run(capsys, "tick", "--config", cfg, "--now", "2026-03-13T09:00")  # down for nine days
    _, out, _ = run(
        capsys,
        "log",
        "--config",
        cfg,
        "--deadline",
        "daily-check",
        "--office",
        "legal",
        "--format",
        "json",
    )
    sent = sorted(e["due"] for e in json.loads(out) if e["status"] == "sent")
    assert sent == ["2026-03-02", "2026-03-13"]  # the days between were superseded
    code, out, _ = run(
        capsys, "status", "--config", cfg, "--now", "2026-03-13T10:00", "--format", "json"
    )
    assert code == 0
    daily = [(r["due"], r["light"]) for r in json.loads(out) if r["deadline"] == "daily-check"]
    missed = [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
        "2026-03-12",
    ]
    assert daily[:10] == [(day, "red") for day in missed] + [("2026-03-13", "yellow")]
    assert daily[-1][0] == "2026-05-12"  # the horizon: 13 March + 60 days
    assert all(light == "green" for _, light in daily[10:])
    # A missed day marked done shows as done (its occurrence is made when it is named).
    code, _, _ = run(
        capsys,
        "done",
        "daily-check",
        "--office",
        "legal",
        "--due",
        "2026-03-10",
        "--config",
        cfg,
        "--now",
        "2026-03-13T10:00",
    )
    assert code == 0
    _, out, _ = run(
        capsys,
        "status",
        "--config",
        cfg,
        "--now",
        "2026-03-13T10:00",
        "--office",
        "legal",
        "--format",
        "json",
    )
    board = {
        r["due"]: (r["light"], r["done_by"])
        for r in json.loads(out)
        if r["deadline"] == "daily-check"
    }
    assert board["2026-03-10"] == ("done", "legal") and board["2026-03-09"] == ("red", None)


def test_done_errors(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(harness.path)
    run(capsys, "sync", "--config", cfg, "--now", "2026-03-01T09:00")
    for args, message in [
        (["done", "nope", "--office", "legal"], "no deadline 'nope' in"),
        (["done", "annual-report", "--office", "nobody"], "--office: no office 'nobody' in"),
        (
            ["done", "annual-report", "--office", "legal", "--period", "2031"],
            "annual-report has no occurrence with period 2031",
        ),
        (
            ["reopen", "annual-report", "--office", "legal", "--period", "2026-03-31"],
            "annual-report 2026-03-31 is not marked done",
        ),
        (
            ["done", "annual-report", "--office", "legal", "--due", "2026-02-30"],
            "--due: '2026-02-30' is not a date (write YYYY-MM-DD)",
        ),
    ]:
        code, _, err = run(capsys, *args, "--config", cfg, "--now", "2026-03-02T09:00")
        assert code == 2 and message in err, err


def test_send_test(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = str(harness.path)
    code, out, _ = run(
        capsys, "send-test", "--config", cfg, "--office", "finance", "--now", "2026-03-02T09:00"
    )
    assert (code, out) == (0, "email: sent to jck@example.gov.cn\nwecom: sent to key=fina…uvwx\n")
    assert harness.smtp.received[0].message["Subject"] == "【测试】政务公开工作提醒"
    assert harness.smtp.received[0].message["Date"] == "Mon, 02 Mar 2026 09:00:00 +0800"
    monkeypatch.delenv("WECOM_KEY_LEGAL")
    code, out, err = run(capsys, "send-test", "--config", cfg, "--office", "legal")
    assert code == 1
    assert err == (
        "wecom: failed: the environment variable in offices.legal.wecom "
        "(${WECOM_KEY_LEGAL}) is not set\n"
    )
    code, out, _ = run(capsys, "log", "--config", cfg, "--format", "json")
    assert [(e["office"], e["channel"], e["kind"], e["status"]) for e in json.loads(out)] == [
        ("finance", "email", "test", "sent"),
        ("finance", "wecom", "test", "sent"),
        ("legal", "wecom", "test", "failed"),
    ]


def test_send_test_waits_for_the_robots_minute_budget_and_is_logged_before_it_goes(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """A test message goes as reminders do: a robot that had its 20 this minute is not pushed
    to 45009; the message is refused with the time it could go, and nothing is logged."""
    from reminder.delivery.ratelimit import DatabaseLimiter
    from reminder.store.budget import Ask
    from reminder.store.engine import transaction

    cfg = str(harness.path)
    runtime = harness.start("2026-03-02 09:00")
    target = runtime.dispatcher.transports["wecom"].target(runtime.config.offices["legal"])
    with transaction(runtime.engine) as s:
        DatabaseLimiter(runtime.engine).reserve(
            [Ask(target.rate_key, 20, target.per_minute)], harness.clock.now(), session=s
        )
    now = "2026-03-02T09:00:30"
    code, out, err = run(capsys, "send-test", "--config", cfg, "--office", "legal", "--now", now)
    assert (code, out) == (1, "")
    assert err.startswith("wecom: not sent: its minute budget is spent until 09:01:")
    assert not harness.wecom.received and not harness.log(kind="test")
    later = "2026-03-02T09:02:00"
    code, out, _ = run(capsys, "send-test", "--config", cfg, "--office", "legal", "--now", later)
    assert (code, out) == (0, "wecom: sent to key=lega…ijkl\n")
    (entry,) = harness.log(kind="test")
    assert (entry.status, entry.office_id, entry.target) == ("sent", "legal", "key=lega…ijkl")


def test_check_reports_template_errors(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    custom = harness.use_templates("my-templates")
    (custom / "markdown.j2").write_text("{{ item.title }\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert code == 2
    assert out.splitlines() == [
        f"{custom / 'markdown.j2'}:1: template: unexpected '}}'",
        f"{harness.path}: 1 template error(s)",
    ]
    # A service does not start with it either (nor does a tick send with it).
    for command in ("run", "tick"):
        code, _, err = run(capsys, command, "--config", str(harness.path))
        assert (code, err.splitlines()) == (
            2,
            [f"{custom / 'markdown.j2'}:1: template: unexpected '}}'"],
        ), command
    (custom / "markdown.j2").write_text("{{ item.no_such_field }}\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert (code, out.splitlines()[0]) == (
        2,
        f"{custom / 'markdown.j2'}:1: template: "
        "'reminder.delivery.wording.Item object' has no attribute "
        "'no_such_field'",
    )
    # Whatever a template raises is its error, located; the @-mention text is checked too.
    (custom / "markdown.j2").write_text("ok\n{{ 1 // 0 }}\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert (code, out.splitlines()[0]) == (
        2,
        f"{custom / 'markdown.j2'}:2: template: ZeroDivisionError: integer division or "
        "modulo by zero",
    )
    (custom / "markdown.j2").unlink()
    (custom / "text.j2").write_text("{{ item.title }\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--config", str(harness.path))
    assert (code, out.splitlines()[0]) == (2, f"{custom / 'text.j2'}:1: template: unexpected '}}'")
    (custom / "text.j2").unlink()
    # The sandbox: a template reads the reminder's fields, not what lies behind them.
    for reach in ("item.__class__.__mro__", "office.__init__", "item.title.__class__"):
        (custom / "markdown.j2").write_text(f"{{{{ {reach} }}}}\n", encoding="utf-8")
        code, out, _ = run(capsys, "check", "--config", str(harness.path))
        assert code == 2 and "is unsafe" in out.splitlines()[0], out


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    answer = 200

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append({"path": self.path, "json": json.loads(body)})
        self.send_response(_Hook.answer)
        self.end_headers()


def test_generic_webhook_channel(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _Hook.received.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        monkeypatch.setenv("HOOK_TOKEN", "t0ken-secret")
        text = harness.path.read_text(encoding="utf-8").replace(
            'name = "办公室"\n', f'name = "办公室"\nwebhook = "{url}?token=${{HOOK_TOKEN}}"\n'
        )
        text = text.replace('lead = ["legal"]', 'lead = ["legal", "office"]')
        harness.path.write_text(text, encoding="utf-8")
        code, out, _ = run(
            capsys, "tick", "--config", str(harness.path), "--now", "2026-03-31T09:00"
        )
        assert code == 0 and out.endswith("sent: 5 sent\n")
        (hook,) = _Hook.received
        assert hook["path"] == "/hook?token=t0ken-secret"
        assert hook["json"]["subject"] == "【到期】第41项 发布年度报告（今日到期）"
        assert "办公室：" in hook["json"]["text"]
        _, out, _ = run(
            capsys, "log", "--config", str(harness.path), "--channel", "webhook", "--format", "json"
        )
        (entry,) = json.loads(out)
        assert entry["target"] == url and "t0ken" not in json.dumps(entry)
    finally:
        server.shutdown()


@pytest.mark.slow
def test_run_serves_then_stops_cleanly_on_sigterm(harness: Harness) -> None:
    """The real service: it sends what is due at start, then exits 0 on SIGTERM."""
    # Due today (made a working day) at 00:00: already due when the service starts.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    text = harness.path.read_text(encoding="utf-8").replace(
        'due = "2026-03-31"', f'due = "{today}"\nsend_time = "00:00"'
    )
    text += f'\n[calendar]\nworkdays = ["{today}"]\n'
    harness.path.write_text(text, encoding="utf-8")
    env = {**os.environ, "WECOM_KEY_LEGAL": KEY_LEGAL, "SMTP_PASSWORD": PASSWORD}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reminder", "run", "--config", str(harness.path)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90  # only catches a hang
        while not harness.wecom.received and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            threading.Event().wait(0.05)  # waiting for an event, not for the clock
        assert harness.wecom.received, proc.stderr.read() if proc.poll() is not None else ""
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    assert "received SIGTERM: finishing the message in flight" in err
    assert "Traceback" not in err
    assert KEY_LEGAL not in err and PASSWORD not in err


@pytest.mark.slow
def test_a_second_run_on_one_sqlite_file_exits_naming_the_first(tmp_path: Path) -> None:
    from tests.conftest import BASE

    (tmp_path / "schedules.toml").write_text(BASE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REMINDER_DATABASE_URL"}
    cmd = [sys.executable, "-m", "reminder", "run", "--config", str(tmp_path / "schedules.toml")]
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        lock = tmp_path / "reminder.db.lock"
        deadline = time.monotonic() + 90  # only catches a hang
        while time.monotonic() < deadline and f"pid {first.pid} " not in (
            lock.read_text(encoding="utf-8") if lock.exists() else ""
        ):
            threading.Event().wait(0.05)
        second = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert second.returncode == 1
        assert f"is in use by another `reminder run` (pid {first.pid} on " in second.stderr
        assert "use PostgreSQL for several" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0


def test_the_command_line_adds_its_own_options_to_an_app_refusal(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """The app says what is refused; the command line says which option gets past it (the
    pages and the API, which have no options, word the same refusal from its code)."""
    cfg = str(harness.path)
    run(capsys, "tick", "--config", cfg, "--now", "2026-03-31T09:00")
    reopen = ["reopen", "annual-report", "--config", cfg, "--office", "legal"]
    code, _, err = run(capsys, *reopen, "--now", "2026-03-31T10:00")
    assert (code, err) == (
        2,
        "reminder: annual-report has no done occurrence; name one with --period or --due\n",
    )
