"""The command line: exact output, exit codes, and no traceback for any user mistake."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reminder.cli.main import main
from tests.conftest import BASE, ROOT, SHIPPED, variant

PREVIEW_KEYS = {
    "deadline",
    "task",
    "title",
    "due",
    "nominal_due",
    "remind_at",
    "office",
    "role",
    "kind",
    "working_days_left",
    "provisional",
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REMINDER_DATABASE_URL", raising=False)
    monkeypatch.delenv("REMINDER_CONFIG", raising=False)
    (tmp_path / "schedules.toml").write_text(BASE, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_ok(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--now", "2026-01-02T09:00")
    assert (code, err) == (0, "")
    assert out == (
        "schedules.toml:9: email: [email] host is not configured: email reminders to 2 "
        "office(s) are held until it is (warning)\n"
        "schedules.toml:9: offices[0].email[0]: 2 address(es) are examples' placeholders "
        "(bgs@example.gov.cn, fgxfk@example.gov.cn): reminders would really be mailed to them; "
        "put in the offices' and leaders' real addresses (warning)\n"
        "schedules.toml:1: web: [web] base_url is not set: messages carry no links, so offices "
        "cannot acknowledge, report progress or close items themselves; run `reminder serve` "
        "behind the bureau's web server and set base_url to its address (see "
        "docs/部署说明.md) (warning)\n"
        "schedules.toml: ok: 2 offices, 1 groups, 1 deadlines, 3 warning(s)\n"
    )


def test_check_names_provisional_years(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--now", "2026-11-28T09:00")
    assert code == 0
    assert out.splitlines()[1] == (
        "schedules.toml:1: calendar: 2027 has no official holiday schedule yet: 11 reminder(s) "
        "from 2027-01-22 use a provisional calendar (weekends and statutory holidays, no 调休 "
        "make-up workdays); once the State Council's notice for 2027 is out, `reminder "
        "calendar --from-notice NOTICE.txt` turns it into the [calendar] block to add here "
        "(warning)"
    )
    assert out.splitlines()[-1].endswith("1 deadlines, 4 warning(s)")


def test_check_errors_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "bad.toml").write_text(
        variant('due = "yearly 01-31"', 'due = "yearly 02-30"'), encoding="utf-8"
    )
    code, out, err = run(capsys, "check", "--config", "bad.toml")
    assert (code, err) == (2, "")
    assert out == (
        'bad.toml:28: deadlines[0].due: "yearly 02-30" is not a date (February has at '
        "most 29 days)\nbad.toml: 1 error(s)\n"
    )


def test_check_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--config", str(SHIPPED), "--now", "2026-11-28T09:00")
    assert code == 0
    assert out.splitlines()[-1] == (
        f"{SHIPPED}: ok: 10 offices, 3 groups, 42 deadlines, 16 warning(s)"
    )


def test_sync_then_nothing_changed(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sync", "--now", "2026-11-28T10:00")
    assert code == 0
    db = workdir / "reminder.db"
    assert out == (
        f"synced schedules.toml into sqlite:///{db}: offices 2 added; groups 1 added; "
        "deadlines 1 added; occurrences 1 added\n"
    )
    code, out, _ = run(capsys, "sync", "--now", "2026-11-28T10:00")
    assert out == f"synced schedules.toml into sqlite:///{db}: nothing changed\n"


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def test_invalid_file_changes_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "sync", "--now", "2026-11-28T10:00")[0] == 0
    before = _dump(workdir / "reminder.db")
    broken = variant('name = "法规信访科"', 'name = "法规科"')  # a valid edit ...
    broken = variant('lead = ["office"]', 'lead = ["nobody"]', broken)  # ... and a bad one
    (workdir / "schedules.toml").write_text(broken, encoding="utf-8")
    code, out, err = run(capsys, "sync", "--now", "2026-11-28T10:00")
    assert (code, out) == (2, "")
    assert err == 'schedules.toml:26: deadlines[0].lead[0]: unknown office or group "nobody"\n'
    assert _dump(workdir / "reminder.db") == before


def test_preview_json_keys_and_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "preview",
        "--config",
        str(SHIPPED),
        "--from",
        "2027-01-01",
        "--to",
        "2027-03-05",
        "--deadline",
        "annual-disclosure-report",
        "--office",
        "office",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert all(set(r) >= PREVIEW_KEYS for r in rows)
    assert [(r["remind_at"], r["kind"], r["working_days_left"]) for r in rows[:6]] == [
        ("2027-01-22T09:00:00+08:00", "before", 5),
        ("2027-01-26T09:00:00+08:00", "before", 3),
        ("2027-01-28T09:00:00+08:00", "before", 1),
        ("2027-01-29T09:00:00+08:00", "due", 0),
        ("2027-02-01T09:00:00+08:00", "overdue", -1),
        ("2027-02-03T09:00:00+08:00", "overdue", -3),
    ]
    first = rows[0]
    assert (
        first["deadline"],
        first["task"],
        first["due"],
        first["nominal_due"],
        first["office"],
        first["role"],
        first["provisional"],
    ) == ("annual-disclosure-report", 41, "2027-01-29", "2027-01-31", "office", "lead", True)
    assert rows[-1]["remind_at"] == "2027-03-02T09:00:00+08:00"  # overdue goes on, weekly
    assert "2027 has no official holiday schedule yet" in err


def test_preview_table_and_csv(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "preview", "--from", "2026-01-20", "--to", "2026-01-31")
    assert code == 0
    assert out.splitlines() == [
        "remind at         kind    office  role       deadline       due         wd left  title",
        "----------------  ------  ------  ---------  -------------  ----------  -------  ------------",
        "2026-01-23 09:00  before  office  lead       annual-report  2026-01-30  5        发布年度报告",
        "2026-01-23 09:00  before  legal   cooperate  annual-report  2026-01-30  5        发布年度报告",
        "2026-01-29 09:00  before  office  lead       annual-report  2026-01-30  1        发布年度报告",
        "2026-01-30 09:00  due     office  lead       annual-report  2026-01-30  0        发布年度报告",
        "2026-01-30 09:00  due     legal   cooperate  annual-report  2026-01-30  0        发布年度报告",
        "5 reminder(s) from 2026-01-20 to 2026-01-31",
    ]
    code, out, _ = run(
        capsys,
        "preview",
        "--from",
        "2026-01-30",
        "--to",
        "2026-01-30",
        "--office",
        "legal",
        "--format",
        "csv",
    )
    assert out.splitlines()[0].startswith("\ufeffdeadline,task,title,due,nominal_due,remind_at,")
    assert out.splitlines()[1].startswith(
        "annual-report,41,发布年度报告,2026-01-30,2026-01-31,2026-01-30 09:00,legal,"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["preview", "--from", "2026-02-30"],
            "reminder: --from: '2026-02-30' is not a date (write YYYY-MM-DD)\n",
        ),
        (
            ["preview", "--from", "2026-03-01", "--to", "2026-02-01"],
            "reminder: --to 2026-02-01 is before --from 2026-03-01\n",
        ),
        (
            ["preview", "--office", "nobody"],
            "reminder: --office: no office or group 'nobody' in schedules.toml\n",
        ),
        (
            ["preview", "--deadline", "nope"],
            "reminder: --deadline: no deadline 'nope' in schedules.toml\n",
        ),
        (
            ["check", "--now", "yesterday"],
            "reminder: --now: 'yesterday' is not an ISO 8601 "
            "instant (e.g. 2026-12-01T09:00+08:00)\n",
        ),
        (
            ["sync", "--config", "missing.toml"],
            "missing.toml: file: cannot read it (No such file or directory)\n",
        ),
    ],
)
def test_usage_errors_exit_2(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (2, "", message)


def test_bad_database_url_is_a_message(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMINDER_DATABASE_URL", "nosuchdb://x")
    code, _, err = run(capsys, "sync")
    assert code == 1
    assert err.startswith("reminder: database nosuchdb://x: ")


def test_locked_database_is_a_message(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "sync", "--now", "2026-11-28T10:00")[0] == 0
    (workdir / "schedules.toml").write_text(
        variant('name = "法规信访科"', 'name = "法规科"'), encoding="utf-8"
    )
    monkeypatch.setattr("reminder.store.engine.BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(workdir / "reminder.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(capsys, "sync", "--now", "2026-11-28T10:00")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    assert err == (
        f"reminder: database sqlite:///{workdir / 'reminder.db'}: database is locked "
        "(another process holds a write lock; try again when it is done)\n"
    )


def test_calendar_2026(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no schedules.toml here: the package calendar alone
    code, out, _ = run(capsys, "calendar", "--year", "2026")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "2026: official: the State Council's published schedule (chinesecalendar)"
    assert "  2026-02-16  Mon  春节" in lines
    assert "  2026-10-01  Thu  国庆节" in lines
    start = lines.index("make-up workdays (调休, on a weekend):")
    assert lines[start + 1 : start + 7] == [
        "  2026-01-04  Sun  元旦",
        "  2026-02-14  Sat  春节",
        "  2026-02-28  Sat  春节",
        "  2026-05-09  Sat  劳动节",
        "  2026-09-20  Sun  国庆节",
        "  2026-10-10  Sat  国庆节",
    ]
    assert lines[-1] == "working days: 248"


def test_calendar_provisional_year_with_overrides(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "schedules.toml").write_text(
        BASE + '\n[calendar]\nholidays = ["2027-02-09"]\nworkdays = ["2027-02-20"]\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "calendar", "--year", "2027")
    assert code == 0
    assert out.splitlines()[0].startswith("2027: PROVISIONAL: weekends and fixed statutory")
    assert "  2027-02-09  Tue  override" in out
    assert "  2027-02-20  Sat  override" in out


def test_db_upgrade(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "upgrade")
    assert (code, out) == (
        0,
        f"database sqlite:///{workdir / 'reminder.db'}: schema 0010 (was empty)\n",
    )


@pytest.mark.slow
def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    bad = tmp_path / "schedules.toml"
    bad.write_text("[settings\n", encoding="utf-8")
    for args in (["check"], ["sync"], ["preview"]):
        proc = subprocess.run(
            [sys.executable, "-m", "reminder", *args, "--config", str(bad)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        assert f"{bad}:1: toml: " in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["log", "--office", "ofice"],
            "reminder: --office: no office or group 'ofice' in schedules.toml; did you mean "
            '"office"?',
        ),
        (
            ["status", "--office", "al"],
            "reminder: --office: no office or group 'al' in schedules.toml; did you mean \"all\"?",
        ),
        (
            ["preview", "--office", "legl"],
            "reminder: --office: no office or group 'legl' in schedules.toml; did you mean "
            '"legal"?',
        ),
        (
            ["log", "--channel", "wecon"],
            "reminder: --channel: no channel 'wecon' (one of email, wecom, webhook, dingtalk, "
            'feishu, sms); did you mean "wecom"?',
        ),
        (
            ["calendar", "--year", "1900"],
            "reminder: --year: 1900 is outside the years reminder works with (1970-2200)",
        ),
    ],
)
def test_unknown_names_in_options_are_refused_with_a_suggestion(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert (code, err) == (2, message + "\n")


def test_log_and_status_accept_a_group(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("log", "status"):
        code, _, err = run(capsys, command, "--office", "all", "--now", "2026-01-29T09:00")
        assert (code, err) == (0, ""), command


def test_calendar_says_when_a_year_is_outside_the_official_data(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "calendar", "--year", "2027")
    assert code == 0
    assert out.splitlines()[1] == (
        "  (after the official data, which covers 2004-2026: the holidays below are the fixed "
        "statutory ones, the make-up days unknown)"
    )
