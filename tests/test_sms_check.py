"""`check` on SMS (短信): mistakes in [sms] and in an office's numbers are errors with their
line; an unset token is an error of the environment that holds the SMS; numbers that would
never get one are warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from reminder.cli.main import main
from reminder.config.readiness import readiness_warnings
from reminder.delivery.channels.sms import SmsTransport
from reminder.errors import ConfigError, NotConfigured
from tests.conftest import config_from, variant

TOKEN = "sms-token-0123456789abcdef"

GATEWAY = """
[sms]
url = "https://sms.example.gov.cn/api/send"
auth_header = "Authorization"
auth_value = "Bearer ${SMS_TOKEN}"
"""
WITH_SMS = variant(
    'email = ["fgxfk@example.gov.cn"]\n',
    'email = ["fgxfk@example.gov.cn"]\nsms = ["13800000000"]\n',
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            WITH_SMS + GATEWAY + 'body = \'{"mobile": "{mobile}"}\'\n',
            "schedules.toml:35: sms.body: has no {text}: write where the gateway takes the message "
            'text, e.g. "{\\"mobile\\": \\"{mobile}\\", \\"content\\": \\"{text}\\"}"',
        ),
        (
            WITH_SMS + GATEWAY + 'body = \'{"mobile": "{mobile}", "content": {text}}\'\n',
            "schedules.toml:35: sms.body: is not JSON once {mobile} and {text} are filled in",
        ),
        (
            WITH_SMS + GATEWAY.replace("https://sms.example.gov.cn", "htps://sms"),
            "schedules.toml:32: sms.url: must be an http:// or https:// URL, but it does not start",
        ),
        (
            WITH_SMS + GATEWAY + 'method = "GET"\n',
            "schedules.toml:32: sms.url: a GET carries the message in the URL: put both {mobile} and {text} in its query",
        ),
        (
            WITH_SMS + GATEWAY + 'body_type = "form"\n',
            'schedules.toml:35: sms.body_type: a form needs its body: "mobile={mobile}&content='
            '{text}"',
        ),
        (
            WITH_SMS,
            "schedules.toml:15: offices[1].sms: SMS needs the bureau's gateway: add an [sms] section",
        ),
        (
            WITH_SMS.replace('"13800000000"', '"+8613800000000"') + GATEWAY,
            'schedules.toml:15: offices[1].sms[0]: "+8613800000000" is not a mainland mobile number: '
            '11 digits from 13 to 19, without +86, spaces or dashes (e.g. "13800000000")',
        ),
        (
            WITH_SMS.replace(
                'sms = ["13800000000"]\n', 'sms = ["13800000000"]\nsms_kinds = ["late"]\n'
            )
            + GATEWAY,
            'schedules.toml:16: offices[1].sms_kinds[0]: unknown kind "late" (one of before, due, '
            'overdue, routine, escalation, report, or "all")',
        ),
        (
            WITH_SMS + GATEWAY.replace('auth_header = "Authorization"\n', ""),
            "schedules.toml:33: sms.auth_value: needs auth_header too",
        ),
    ],
    ids=[
        "no-text",
        "not-json",
        "bad-url",
        "get-without-placeholders",
        "form-without-body",
        "no-gateway",
        "bad-mobile",
        "bad-kind",
        "half-auth",
    ],
)
def test_check_names_sms_mistakes_with_their_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        config_from(text, SMS_TOKEN=TOKEN)
    assert any(str(i).startswith(expected) for i in exc.value.issues), exc.value.issues


def test_an_unset_token_is_an_error_of_check_and_holds_the_sms() -> None:
    config = config_from(WITH_SMS + GATEWAY)
    assert [str(i) for i in config.env_errors] == [
        "schedules.toml:34: sms.auth_value: environment variable SMS_TOKEN is not set: "
        "SMS are held until it is"
    ]
    office = config.offices["legal"]
    with pytest.raises(
        NotConfigured,
        match=r"the environment variable in sms.auth_value \(Bearer \$\{SMS_TOKEN\}\) is not set",
    ):
        SmsTransport(config.sms, environ={}).target(office)
    written = config_from(WITH_SMS + GATEWAY.replace("${SMS_TOKEN}", "abcdef0123456789"))
    assert written.written_secrets == ("sms.auth_value",)


def test_numbers_that_would_never_get_an_sms_are_warnings() -> None:
    never = config_from(WITH_SMS + GATEWAY, SMS_TOKEN=TOKEN)
    assert [str(w) for w in readiness_warnings(never) if w.field.endswith(".sms")] == [
        "schedules.toml:15: offices[1].sms: 法规信访科 takes only 督办 by SMS (sms_kinds, by "
        "default) but is no 督办 office or leader: it gets no SMS; list the kinds it wants, "
        'e.g. sms_kinds = ["overdue"]'
    ]
    alone = WITH_SMS.replace(
        'email = ["fgxfk@example.gov.cn"]\nsms = ["13800000000"]\n',
        'sms = ["13800000000"]\nsms_kinds = ["overdue"]\n',
    )
    config = config_from(alone + GATEWAY, SMS_TOKEN=TOKEN)
    assert [w.message for w in readiness_warnings(config) if w.field.endswith(".sms")] == [
        "法规信访科 is reached by SMS alone, which carries only overdue: its other reminders "
        'are held; add sms_kinds = ["all"] or another channel'
    ]
    listed = WITH_SMS.replace(
        'sms = ["13800000000"]\n', 'sms = ["13800000000"]\nchannels = ["email"]\n'
    )
    config = config_from(listed + GATEWAY, SMS_TOKEN=TOKEN)
    assert [w.message for w in readiness_warnings(config) if w.field.endswith(".sms")] == [
        '法规信访科 has sms numbers but its channels leave SMS out: add "sms"'
    ]
    told = variant("[settings]\n", '[settings]\nescalate_to = ["legal"]\n', WITH_SMS + GATEWAY)
    config = config_from(told, SMS_TOKEN=TOKEN)
    assert not [w for w in readiness_warnings(config) if w.field.endswith(".sms")]


def test_reminder_check_prints_the_unset_token_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "schedules.toml"
    path.write_text(WITH_SMS + GATEWAY, encoding="utf-8")
    monkeypatch.delenv("SMS_TOKEN", raising=False)
    assert main(["check", "--config", str(path)]) == 2
    assert capsys.readouterr().out == (
        f"{path}:34: sms.auth_value: environment variable SMS_TOKEN is not set: SMS are held "
        f"until it is\n{path}: 1 error(s) in the environment\n"
    )
    monkeypatch.setenv("SMS_TOKEN", TOKEN)
    assert main(["check", "--config", str(path)]) == 0
    capsys.readouterr()
    body = 'body = \'{"to": "{mobile}", "text": "{text}", "password": "${SMS_PASSWORD}"}\'\n'
    path.write_text(WITH_SMS + GATEWAY + body, encoding="utf-8")
    assert main(["check", "--config", str(path)]) == 2
    assert capsys.readouterr().out.startswith(
        f"{path}:35: sms.body: environment variable SMS_PASSWORD is not set: SMS are held\n"
    )
