"""`reminder log` reads the sent log through `app.sentlog`, as the /log page does: a day as
--until includes that whole day, an instant ends just before it, and a name that names nothing
is a one-line usage error naming the option."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reminder.app import sentlog
from reminder.cli.main import main
from reminder.web.app import create_app
from tests.delivery_harness import Harness, web_context

SECRET = "s" * 32
PASSWORD = "督办-password-1"


@pytest.fixture
def logged(harness: Harness) -> Harness:
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")  # every entry is at 09:00 on the 31st
    return harness


def cli_log(
    capsys: pytest.CaptureFixture[str], harness: Harness, *args: str
) -> list[dict[str, Any]]:
    code = main(["log", "--config", str(harness.path), "--format", "json", *args])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    entries: list[dict[str, Any]] = json.loads(out)
    return entries


def test_until_a_day_includes_that_day_on_the_command_line_and_the_page_alike(
    logged: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    everything = cli_log(capsys, logged)
    that_day = cli_log(capsys, logged, "--until", "2026-03-31")
    assert that_day and that_day == everything
    assert {e["at"][:10] for e in that_day} == {"2026-03-31"}
    assert cli_log(capsys, logged, "--until", "2026-03-30") == []
    assert cli_log(capsys, logged, "--until", "2026-03-31T09:00") == []  # an instant: before it
    assert cli_log(capsys, logged, "--since", "2026-03-31T09:00") == everything
    assert cli_log(capsys, logged, "--since", "2026-04-01") == []

    web = TestClient(create_app(web_context(logged, SECRET, password=PASSWORD)))
    web.post("/login", data={"name": "张三", "password": PASSWORD})
    page = web.get("/log", params={"until": "2026-03-31"})
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'/log/message/(\d+)"', page.text)]
    assert logged.runtime is not None
    config, engine = logged.runtime.config, logged.runtime.engine
    on_the_page = []
    for entry_id in ids:
        found = sentlog.find(config, engine, entry_id)
        assert found is not None
        e, _ = found
        on_the_page.append((e.at.isoformat(), e.office, e.channel, e.status, e.message_id))
    on_the_command_line = [
        (e["at"], e["office"], e["channel"], e["status"], e["message_id"]) for e in that_day
    ]
    assert sorted(on_the_page) == sorted(on_the_command_line)
    assert re.findall(r'/log/message/(\d+)"', web.get("/log?until=2026-03-30").text) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--deadline", "anual-report"],
            "reminder: --deadline: no deadline 'anual-report' in {path}; did you mean "
            '"annual-report"?',
        ),
        (
            ["--status", "lost"],
            f"reminder: --status: one of {', '.join(sentlog.STATUSES)}",
        ),
        (
            ["--office", "legl"],
            "reminder: --office: no office or group 'legl' in {path}; did you mean \"legal\"?",
        ),
        (
            ["--until", "31.3.2026"],
            "reminder: --until: '31.3.2026' is not a date or ISO 8601 instant",
        ),
    ],
)
def test_a_name_that_names_nothing_is_one_line_naming_the_option(
    logged: Harness, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["log", "--config", str(logged.path), *args])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", message.format(path=logged.path) + "\n")
