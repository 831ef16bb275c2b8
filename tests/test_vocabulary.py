"""The shared words: one list of channels that the config, the transports, the templates and
the command line all read; statuses stored as their plain strings."""

from __future__ import annotations

from reminder import labels
from reminder.cli.main import build_parser
from reminder.delivery.channels import REGISTRY, transports
from reminder.store.sentlog import STATUSES
from reminder.vocabulary import CHANNELS, WAITING, Channel, LogStatus, OutboxStatus
from tests.conftest import BASE, config_from


def test_every_channel_has_a_transport_and_a_name_offices_read() -> None:
    names = ["email", "wecom", "webhook", "dingtalk", "feishu", "sms"]
    assert list(REGISTRY) == list(CHANNELS) == names
    assert {name: labels.channel(name) for name in REGISTRY} == {
        "email": "邮件",
        "wecom": "企业微信",
        "webhook": "Webhook",
        "dingtalk": "钉钉",
        "feishu": "飞书",
        "sms": "短信",
    }


def test_transports_are_made_for_every_channel_from_the_config() -> None:
    made = transports(config_from(BASE))
    assert sorted(made) == sorted(CHANNELS)
    assert all(t.name == name for name, t in made.items())


def test_send_test_offers_exactly_the_channels() -> None:
    parser = build_parser()
    args = parser.parse_args(["send-test", "--office", "legal", "--channel", "webhook"])
    assert args.channel == Channel.WEBHOOK


def test_statuses_compare_and_store_as_their_strings() -> None:
    assert OutboxStatus.DRY_RUN == "dry-run" and f"{LogStatus.SENDING}" == "sending"
    assert WAITING == ("pending", "held")
    assert STATUSES == (
        "sending",
        "unknown",
        "sent",
        "retrying",
        "failed",
        "held",
        "superseded",
        "cancelled",
        "dry-run",
    )
