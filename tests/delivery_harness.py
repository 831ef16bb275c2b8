"""A schedules.toml wired to the local SMTP and WeCom servers, and a clock to step through."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reminder.app import admins
from reminder.app.runtime import Runtime
from reminder.clock import FixedClock
from reminder.store.engine import transaction
from reminder.store.models import OutboxRow, SentLogRow
from reminder.web.context import Secrets, WebContext
from tests.servers import FakeWecom, SmtpServer

KEY_LEGAL = "legal-0000-key-1111-abcdefghijkl"
KEY_FINANCE = "finance-000-key-2222-mnopqrstuvwx"
PASSWORD = "smtp-secret-pw"
ADMIN = "张三"  # the administrator web_context makes

CONFIG = """\
[settings]
timezone = "Asia/Shanghai"
send_time = "09:00"
remind = ["0d"]
escalate_after = "3wd"
escalate_to = ["office"]

[email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
username = "notice@example.gov.cn"
password = "${{SMTP_PASSWORD}}"
sender = "notice@example.gov.cn"
sender_name = "政务公开工作提醒"
timeout = 5

[wecom]
url = "{wecom_url}"
timeout = 0.5

[delivery]
retries = 3
backoff = "1m"
admin = "office"
digest = {digest}

[[offices]]
id = "office"
name = "办公室"
email = ["bgs@example.gov.cn"]

[[offices]]
id = "legal"
name = "法规信访科"
wecom = "${{WECOM_KEY_LEGAL}}"

[[offices]]
id = "finance"
name = "计财科"
email = ["jck@example.gov.cn"]
wecom = "${{WECOM_KEY_FINANCE}}"
mention_mobiles = ["13800000000"]

[[deadlines]]
id = "annual-report"
task = 41
title = "发布年度报告"
requirement = "按照规定于每年1月31日前发布本单位上年度的《政府信息公开工作年度报告》。"
limit = "每年1月31日前"
lead = ["legal"]
cooperate = ["finance"]
due = "2026-03-31"
{extra}
"""


# Four lead times, for the cooperating office too (catch-up tests count on both).
FULL_LEAD_TIMES = (
    'remind = ["7d", "3wd", "1wd", "0d"]\ncooperate_remind = ["7d", "3wd", "1wd", "0d"]'
)

# Legal's sent log after catch-up of the annual report with four lead times: the three
# "before" reminders superseded, the due one sent.
LATEST_ONLY = [("superseded", "before")] * 3 + [("sent", "due")]


def at(text: str) -> datetime:
    """A local Shanghai instant: at("2026-03-31 09:00")."""
    return datetime.fromisoformat(text + "+08:00")


class Harness:
    def __init__(
        self, tmp_path: Path, smtp: SmtpServer, wecom: FakeWecom, clock: FixedClock
    ) -> None:
        self.path = tmp_path / "schedules.toml"
        self.smtp, self.wecom, self.clock = smtp, wecom, clock
        self.runtime: Runtime | None = None

    def write(self, extra: str = "", *, digest: bool = True, smtp_port: int | None = None) -> None:
        self.path.write_text(
            CONFIG.format(
                smtp_port=smtp_port or self.smtp.port,
                wecom_url=self.wecom.url,
                digest=str(digest).lower(),
                extra=extra,
            ),
            encoding="utf-8",
        )

    def use_templates(self, folder: str) -> Path:
        """Point [delivery] templates_dir at `folder` (beside schedules.toml); return its
        wecom/ subfolder, made."""
        text = self.path.read_text(encoding="utf-8")
        self.path.write_text(
            text.replace("[delivery]\n", f'[delivery]\ntemplates_dir = "{folder}"\n'),
            encoding="utf-8",
        )
        wecom = self.path.parent / folder / "wecom"
        wecom.mkdir(parents=True, exist_ok=True)
        return wecom

    def start(self, when: str, **kwargs: Any) -> Runtime:
        self.clock.set(at(when))
        self.runtime = Runtime(str(self.path), clock=self.clock, **kwargs)
        return self.runtime

    def tick(self, when: str) -> str:
        assert self.runtime is not None
        self.clock.set(at(when))
        return self.runtime.tick().summary()

    def log(self, **where: Any) -> list[SentLogRow]:
        assert self.runtime is not None
        with transaction(self.runtime.engine) as s:
            stmt = select(SentLogRow).order_by(SentLogRow.id)
            for key, value in where.items():
                stmt = stmt.where(getattr(SentLogRow, key) == value)
            return list(s.scalars(stmt))

    def outbox(self, **where: Any) -> list[OutboxRow]:
        assert self.runtime is not None
        with transaction(self.runtime.engine) as s:
            stmt = select(OutboxRow).order_by(OutboxRow.id)
            for key, value in where.items():
                stmt = stmt.where(getattr(OutboxRow, key) == value)
            return list(s.scalars(stmt))


def web_context(
    harness: Harness, secret: str, *, password: str | None = None, api_token: str | None = None
) -> WebContext:
    """The web service's context over the harness's runtime: its config, database and clock;
    with `password`, an administrator's account ADMIN ("张三") that logs in with it."""
    assert harness.runtime is not None
    runtime = harness.runtime
    if password is not None:
        admins.add(runtime.engine, ADMIN, password, harness.clock.now())
    return WebContext(
        config_path=str(harness.path),
        config=runtime.config,
        engine=runtime.engine,
        clock=harness.clock,
        secrets=Secrets(keys=(secret,), api_token=api_token),
    )
