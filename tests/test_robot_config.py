"""DingTalk and Feishu robots in schedules.toml: every mistake named with its file and line."""

from __future__ import annotations

import pytest

from reminder.config.robotmodel import Robot
from reminder.errors import ConfigError
from tests.conftest import config_from, variant

AFTER = 'email = ["fgxfk@example.gov.cn"]'  # line 14 of BASE: legal's email
SECRET = "SEC" + "0123456789abcdef" * 4
URL = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f"


def legal(lines: str) -> str:
    """BASE with `lines` added to the legal office, from line 15 on."""
    return variant(AFTER, f"{AFTER}\n{lines}")


def errors(text: str, **env: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config_from(text, **env)
    return [str(i) for i in caught.value.issues]


def test_a_signed_dingtalk_robot_and_a_feishu_bot_from_the_environment() -> None:
    text = legal(
        'dingtalk = "${DINGTALK_URL_LEGAL}"\ndingtalk_secret = "${DINGTALK_SECRET_LEGAL}"\n'
        'feishu = "${FEISHU_URL_LEGAL}"\nfeishu_secret = "${FEISHU_SECRET_LEGAL}"'
    )
    env = {
        "DINGTALK_URL_LEGAL": URL,
        "DINGTALK_SECRET_LEGAL": SECRET,
        "FEISHU_URL_LEGAL": HOOK,
        "FEISHU_SECRET_LEGAL": "s3cr3t",
    }
    config = config_from(text, **env)
    office = config.offices["legal"]
    assert office.dingtalk == Robot(url="${DINGTALK_URL_LEGAL}", secret="${DINGTALK_SECRET_LEGAL}")
    assert office.feishu == Robot(url="${FEISHU_URL_LEGAL}", secret="${FEISHU_SECRET_LEGAL}")
    assert config.channels_for(office)[:1] == ("email",)
    assert {"dingtalk", "feishu"} <= set(config.channels_for(office))
    assert config.warnings == () and config.env_errors == ()
    assert (config.dingtalk.per_minute, config.feishu.per_minute) == (20, 100)


def test_a_missing_secret_is_an_error_at_the_robots_line_and_false_says_it_is_unsigned() -> None:
    text = legal('dingtalk = "${DINGTALK_URL_LEGAL}"\nfeishu = "${FEISHU_URL_LEGAL}"')
    assert errors(text) == [
        "schedules.toml:15: offices[1].dingtalk: a signed robot needs dingtalk_secret = "
        '"${DINGTALK_SECRET_…}" (its secret, SEC followed by 64 characters); for a robot '
        "secured by keywords or an IP list only, write dingtalk_secret = false",
        "schedules.toml:16: offices[1].feishu: a signed robot needs feishu_secret = "
        '"${FEISHU_SECRET_…}" (its secret, from 签名校验); for a robot secured by keywords '
        "or an IP list only, write feishu_secret = false",
    ]
    unsigned = legal(
        'dingtalk = "${DINGTALK_URL_LEGAL}"\ndingtalk_secret = false\n'
        'feishu = "${FEISHU_URL_LEGAL}"\nfeishu_secret = false'
    )
    config = config_from(unsigned, DINGTALK_URL_LEGAL=URL, FEISHU_URL_LEGAL=HOOK)
    assert config.offices["legal"].dingtalk == Robot(url="${DINGTALK_URL_LEGAL}")
    assert config.offices["legal"].feishu == Robot(url="${FEISHU_URL_LEGAL}")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            'dingtalk = "oapi.dingtalk.com/robot/send?access_token=abc"\ndingtalk_secret = false',
            "schedules.toml:15: offices[1].dingtalk: must be an http:// or https:// URL like "
            'https://oapi.dingtalk.com/robot/send?access_token=…, got "oapi.dingtalk.com/robot'
            '/send?access_token=abc"',
        ),
        (
            'dingtalk = "https://oapi.dingtalk.com/robot/send"\ndingtalk_secret = false',
            "schedules.toml:15: offices[1].dingtalk: is not usable: it has no ?access_token= "
            "(copy the whole Webhook address of the robot)",
        ),
        (
            'feishu = "https://open.feishu.cn/open-apis/bot/v2/"\nfeishu_secret = false',
            "schedules.toml:15: offices[1].feishu: is not usable: it does not end in /hook/ and "
            "the bot's id (copy the whole webhook address)",
        ),
        (
            'dingtalk_secret = "${DINGTALK_SECRET_LEGAL}"',
            "schedules.toml:15: offices[1].dingtalk_secret: is set but dingtalk (the robot's "
            "webhook URL) is not",
        ),
        (
            'dingtalk = "${DINGTALK_URL_LEGAL}"\ndingtalk_secret = "SEC-short"',
            "schedules.toml:16: offices[1].dingtalk_secret: is not usable: it is not a DingTalk "
            "加签 secret (those start with SEC)",
        ),
        (
            'feishu = "${FEISHU_URL_LEGAL}"\nfeishu_secret = true',
            'schedules.toml:16: offices[1].feishu_secret: must be the secret ("${NAME}") or false',
        ),
        (
            'feishu = "${FEISHU_URL"\nfeishu_secret = false',
            "schedules.toml:15: offices[1].feishu: a ${NAME} reference must be ${ followed by "
            "letters, digits or _ and }",
        ),
    ],
)
def test_each_robot_mistake_is_named_with_its_line(lines: str, expected: str) -> None:
    assert errors(legal(lines)) == [expected]


def test_a_bad_value_in_the_environment_is_a_check_error_and_the_robot_is_held() -> None:
    text = legal('dingtalk = "${DINGTALK_URL_LEGAL}"\ndingtalk_secret = "${DINGTALK_SECRET_LEGAL}"')
    config = config_from(
        text, DINGTALK_URL_LEGAL="https://oapi.dingtalk.com/robot/send", DINGTALK_SECRET_LEGAL="x1"
    )
    assert [str(i) for i in config.env_errors] == [
        "schedules.toml:15: offices[1].dingtalk: DINGTALK_URL_LEGAL does not hold a usable "
        "value: it has no ?access_token= (copy the whole Webhook address of the robot)",
        "schedules.toml:16: offices[1].dingtalk_secret: DINGTALK_SECRET_LEGAL does not hold a "
        "usable value: it is not a DingTalk 加签 secret (those start with SEC)",
    ]


def test_unset_variables_and_written_secrets_are_warnings() -> None:
    text = legal(f'feishu = "{HOOK}"\nfeishu_secret = "${{FEISHU_SECRET_LEGAL}}"')
    assert [str(w) for w in config_from(text).warnings] == [
        "schedules.toml:15: offices[1].feishu: the webhook URL written in the file is a secret "
        "in git: write a ${NAME} reference and set it in the environment",
        "schedules.toml:16: offices[1].feishu_secret: environment variable FEISHU_SECRET_LEGAL "
        'is not set: office "legal" (法规信访科) gets no Feishu reminders until it is',
    ]


def test_a_leader_is_reached_by_a_robot_and_the_sections_have_limits() -> None:
    text = variant(
        "[[deadlines]]",
        '[[leaders]]\nid = "deputy"\nname = "李副局长"\noffices = ["legal"]\n'
        'dingtalk = "${DINGTALK_URL_DEPUTY}"\ndingtalk_secret = false\n\n'
        "[dingtalk]\nper_minute = 21\n\n[feishu]\nper_minute = 50\nspeed = 1\n\n[[deadlines]]",
    )
    assert errors(text) == [
        "schedules.toml:29: dingtalk.per_minute: must be a whole number from 1 to 20, got 21",
        "schedules.toml:33: feishu.speed: unknown key",
    ]
    fixed = text.replace("per_minute = 21", "per_minute = 10").replace("speed = 1\n", "")
    config = config_from(fixed, DINGTALK_URL_DEPUTY=URL)
    assert config.leaders["deputy"].dingtalk == Robot(url="${DINGTALK_URL_DEPUTY}")
    assert config.channels_for(config.leaders["deputy"]) == ("dingtalk",)
    assert (config.dingtalk.per_minute, config.feishu.per_minute) == (10, 50)
