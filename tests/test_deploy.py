"""The deployment kit (deploy/, docs/部署说明.md): the units run the commands that exist, as
a dedicated user with the secrets from one file and a read-only system; the guide's commands
are real commands; the environment file names every secret the shipped file refers to."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from reminder.cli.main import build_parser
from tests.conftest import SHIPPED

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "部署说明.md"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize(
    ("name", "command"), [("reminder-run.service", "run"), ("reminder-serve.service", "serve")]
)
def test_each_unit_runs_its_command_confined(name: str, command: str) -> None:
    service = unit(name)["Service"]
    assert service["ExecStart"].split()[-1] == command
    assert (
        service["User"] == "reminder" and service["EnvironmentFile"] == "/etc/reminder/reminder.env"
    )
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["UMask"] == "0077" and "/srv/reminder" in service["ReadWritePaths"]


def test_the_environment_file_names_every_secret_the_shipped_file_refers_to() -> None:
    example = (DEPLOY / "reminder.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.M))
    referred = set(re.findall(r"\$\{([A-Z_]+)\}", SHIPPED.read_text(encoding="utf-8")))
    assert referred <= named
    assert {"REMINDER_SECRET", "REMINDER_DATABASE_URL"} <= named
    # Administrators have accounts (`reminder admin add`): no shared password to set.
    assert "REMINDER_ADMIN_PASSWORD" not in named and "reminder admin add" in example


def test_nginx_replaces_the_forwarded_address_and_keeps_tokens_out_of_its_log() -> None:
    site = (DEPLOY / "nginx-reminder.conf").read_text(encoding="utf-8")
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "access_log off;" in site and "proxy_pass http://127.0.0.1:8080/;" in site


def test_every_command_the_guide_gives_exists() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    # A command: after the venv's bin/, a backtick or at a line's start.
    used = set(re.findall(r"(?:bin/|`|^)reminder ([a-z][a-z-]+)", text, flags=re.M))
    subcommands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert used and used <= set(subcommands) | {"run", "serve"}, used - set(subcommands)
    for kit in ("reminder-run.service", "reminder-serve.service", "reminder.env.example"):
        assert kit in text
