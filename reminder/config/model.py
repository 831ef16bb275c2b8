"""The one config model: frozen value objects that `reminder.config.loader` builds from the file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from reminder.calendar.leadtime import Shift
from reminder.calendar.rules import DueRule, Offset
from reminder.calendar.workcal import WorkCalendar, WorkdayMode
from reminder.config.envref import ENV_REF as ENV_REF
from reminder.config.envref import env_names as env_names
from reminder.config.envref import expand_env as expand_env
from reminder.config.robotmodel import DingtalkSettings, FeishuSettings, Robot
from reminder.config.smsmodel import SMS_KINDS_DEFAULT, SmsSettings
from reminder.errors import Issue
from reminder.vocabulary import CHANNELS, Channel

Role = Literal["lead", "cooperate", "escalation", "leader"]
DeadlineKind = Literal["deadline", "routine"]
RoutineTo = Literal["lead", "all"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """``[settings]``: defaults every deadline inherits."""

    timezone: str = "Asia/Shanghai"
    send_time: time = time(9, 0)
    workdays: WorkdayMode = "cn"
    shift: Shift = "before"
    remind: tuple[Offset, ...] = (
        Offset(30, "d"),
        Offset(7, "d"),
        Offset(3, "wd"),
        Offset(1, "wd"),
        Offset(0, "d"),
    )
    # Cooperating offices hear less: None = the farthest lead time and the due day.
    cooperate_remind: tuple[Offset, ...] | None = None
    # Overdue reminders thin out: these working days after the due, then every
    # `overdue_every` (a week), at most `overdue_limit` in all (None: until the next
    # occurrence is due). After the last, the item stays red on the board and in the 通报.
    overdue: tuple[Offset, ...] = (Offset(1, "wd"), Offset(3, "wd"), Offset(5, "wd"))
    overdue_every: Offset = Offset(5, "wd")
    overdue_limit: int | None = 6
    # The time an overdue office is given to finish (限期): "请于3个工作日内办结".
    overdue_grant: Offset = Offset(3, "wd")
    routine_workday: int = 1  # a routine checklist goes out on this working day of the month
    routine_to: RoutineTo = "lead"  # who gets a routine duty's check: its lead offices, or all
    signature: str = ""  # the closing (落款) of every reminder: the sending office, a phone
    contact: str = ""  # a contact line under the 落款: "联系人：王科长，电话 3500000"
    escalate_after: Offset = Offset(3, "wd")
    escalate_to: tuple[str, ...] = ()
    # From this long overdue on, the lead office's 分管领导 hears too (weekly at most).
    leader_after: Offset = Offset(10, "wd")
    database: str = "sqlite:///reminder.db"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True, slots=True)
class CalendarOverrides:
    """``[calendar]``: days the admin declares rest or working days, overriding the package."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    confirmed_years: frozenset[int] = frozenset()

    def calendar(self, mode: WorkdayMode) -> WorkCalendar:
        """The working-day calendar of `mode` ([settings] workdays) with these overrides."""
        return WorkCalendar(
            mode=mode,
            extra_holidays=self.holidays,
            extra_workdays=self.workdays,
            confirmed_years=self.confirmed_years,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """``[delivery]``: planning, grouping and retries."""

    horizon: Offset = Offset(60, "d")
    digest: bool = True  # one message per office and channel per pass
    retries: int = 5
    backoff: timedelta = timedelta(minutes=1)  # doubles each retry
    admin: str | None = None  # office told about permanent failures
    # How long a claimed reminder stays claimed without a heartbeat: a dead or stalled
    # instance's reminders go to another this long after it stopped.
    lease: timedelta = timedelta(seconds=10)
    # The cap on messages in flight at once: what bounds them is one at a time per robot, SMTP
    # server or URL (and its budget); a crash can repeat at most this many.
    parallel: int = 64
    templates_dir: str | None = None  # admin templates that override the shipped ones
    keep: timedelta = timedelta(days=3 * 366)  # sent and failed messages stay this long

    @property
    def horizon_days(self) -> int:
        """The horizon in calendar days (working days counted generously, holidays included)."""
        h = self.horizon
        return h.amount if h.unit == "d" else h.amount * 7 // 5 + 10


@dataclass(frozen=True, kw_only=True, slots=True)
class EmailSettings:
    """``[email]``: the SMTP server. Without a host, email reminders are held."""

    host: str | None = None
    port: int = 465
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str | None = None
    password: str | None = None  # as written: ${NAME}
    sender: str | None = None
    sender_name: str = "政务公开工作提醒"
    per_minute: int = 60
    timeout: float = 30.0
    ca_file: str | None = None  # a CA bundle to trust (an internal mail server's CA)


@dataclass(frozen=True, kw_only=True, slots=True)
class WecomSettings:
    """``[wecom]``: the group-robot API."""

    url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    per_minute: int = 20
    timeout: float = 10.0


@dataclass(frozen=True, kw_only=True, slots=True)
class WebhookSettings:
    """``[webhook]``: a generic JSON webhook (an office's ``webhook`` URL)."""

    per_minute: int = 60
    timeout: float = 10.0


@dataclass(frozen=True, kw_only=True, slots=True)
class Web:
    """``[web]``: `reminder serve`, and the address reminders link to (no links without it).
    Secrets (the link key, the administrator's password) come from the environment only."""

    listen: str = "127.0.0.1:8080"
    base_url: str | None = None  # e.g. https://oa.example.gov.cn/reminder (a path prefix too)
    link_days: int = 30  # how long a link in a message stays valid
    # Proxies whose X-Forwarded-For is believed (the address they append, nothing a client
    # wrote before it): none by default, so a client cannot name its own address.
    trusted_proxies: tuple[str, ...] = ()
    max_connections: int = 100  # connections served at once; more get 503 at once
    keep_alive: int = 5  # seconds an idle connection is kept open
    public_metrics: bool = False  # /metrics without the API token (a closed network's scraper)

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


REPORT_NUMBER = "通报〔{year}〕{n}号"
NOTICE_NUMBER = "督办〔{year}〕{n}号"


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportSettings:
    """``[report]``: the 通报 sent by itself on the `workday`-th working day of each month
    (last month's) or of January (last year's), to these offices and groups."""

    to: tuple[str, ...] = ()  # none: every office
    every: Literal["month", "year"] = "month"
    workday: int = 1
    number: str = REPORT_NUMBER  # the 文号, {year} and {n} (counted per year) filled in
    notice_number: str = NOTICE_NUMBER  # a 督办通知单's number, the same way


@dataclass(frozen=True, kw_only=True, slots=True)
class Office:
    """An office (科室/单位) that receives reminders."""

    id: str
    name: str
    email: tuple[str, ...] = ()
    wecom: str | None = None  # as written: a ${NAME} reference, a key or a URL
    webhook: str | None = None  # as written: a URL, usually with ${NAME} in it
    dingtalk: Robot | None = None  # a DingTalk robot: URL and secret as written (${NAME})
    feishu: Robot | None = None  # a Feishu bot, the same way
    channels: tuple[str, ...] | None = None
    mention_mobiles: tuple[str, ...] = ()
    digest_weekday: int | None = None  # None: daily; 0-6: one message a week on that weekday
    aliases: tuple[str, ...] = ()  # other names a task table uses for it (reminder import)
    sms: tuple[str, ...] = ()  # mobile numbers for SMS (短信)
    sms_kinds: tuple[str, ...] = SMS_KINDS_DEFAULT  # the reminder kinds it takes by SMS


@dataclass(frozen=True, kw_only=True, slots=True)
class Leader(Office):
    """A 分管领导: addressed like an office, told of the overdue items of the offices under
    them (`offices`) once they are `leader_after` overdue, and sent the 通报."""

    offices: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Overdue:
    """When an overdue occurrence is chased: `steps` after the due, then every `every`, at
    most `limit` reminders (None: until the next occurrence falls due)."""

    steps: tuple[Offset, ...]
    every: Offset
    limit: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Group:
    """A named set of offices, such as 各科室（单位）."""

    id: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Deadline:
    """One task of the table with its due rule and who is responsible."""

    id: str
    title: str
    rule: DueRule
    lead: tuple[str, ...]
    cooperate: tuple[str, ...] = ()
    task: int | None = None
    kind: DeadlineKind = "deadline"  # "routine": a standing duty checked once a period
    section: str = ""  # the heading of the source table it sits under
    requirement: str = ""
    limit: str = ""
    remind: tuple[Offset, ...] | None = None
    cooperate_remind: tuple[Offset, ...] | None = None
    overdue: tuple[Offset, ...] | None = None
    overdue_every: Offset | None = None
    overdue_limit: int | None = None
    routine_to: RoutineTo | None = None
    leader_after: Offset | None = None
    shift: Shift | None = None
    send_time: time | None = None

    @property
    def due_text(self) -> str:
        return self.rule.text


@dataclass(frozen=True, kw_only=True)
class Config:
    """A whole, valid schedules.toml."""

    path: str
    settings: Settings
    calendar_overrides: CalendarOverrides
    delivery: Delivery
    email: EmailSettings
    wecom: WecomSettings
    webhook: WebhookSettings
    offices: dict[str, Office]
    groups: dict[str, Group]
    deadlines: tuple[Deadline, ...]
    leaders: dict[str, Leader] = field(default_factory=dict)
    web: Web = field(default_factory=Web)
    dingtalk: DingtalkSettings = field(default_factory=DingtalkSettings)
    feishu: FeishuSettings = field(default_factory=FeishuSettings)
    report: ReportSettings | None = None
    sms: SmsSettings | None = None  # [sms]: the bureau's SMS gateway, when there is one
    warnings: tuple[Issue, ...] = ()
    written_secrets: tuple[str, ...] = ()  # fields whose secret is written in the file
    env_errors: tuple[Issue, ...] = ()  # bad values in the environment: `check` errors, held
    lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def deadline_by_id(self) -> dict[str, Deadline]:
        return {d.id: d for d in self.deadlines}

    @cached_property
    def office_names(self) -> dict[str, str]:
        return {o.id: o.name for o in self.offices.values()}

    @cached_property
    def leader_of(self) -> dict[str, str]:
        """Each office's 分管领导 (by id), for the offices that have one."""
        return {o: leader.id for leader in self.leaders.values() for o in leader.offices}

    @cached_property
    def addressees(self) -> dict[str, Office]:
        """Whoever a message can go to, by id: the offices, then the 分管领导 (`Leader`s)."""
        return {**self.offices, **self.leaders}

    def addressee(self, office_id: str) -> Office:
        return self.addressees[office_id]

    def name_of(self, office_id: str) -> str:
        """An office's or a leader's name; the id itself when the config no longer has it."""
        found = self.addressees.get(office_id)
        return found.name if found is not None else office_id

    def calendar(self) -> WorkCalendar:
        return self.calendar_overrides.calendar(self.settings.workdays)

    def expand(self, refs: tuple[str, ...]) -> list[str]:
        """Office ids behind office and group ids, in order, without repeats."""
        out: list[str] = []
        for ref in refs:
            for office in self.groups[ref].members if ref in self.groups else (ref,):
                if office not in out:
                    out.append(office)
        return out

    def recipients(self, deadline: Deadline) -> list[tuple[str, Role]]:
        """Who hears about a deadline: leads first; an office that leads is not also
        cooperating; a routine duty's cooperating offices only with `routine_to = "all"`."""
        leads = self.expand(deadline.lead)
        helpers = [o for o in self.expand(deadline.cooperate) if o not in leads]
        if deadline.kind == "routine" and self.routine_to_for(deadline) == "lead":
            helpers = []
        return [(o, "lead") for o in leads] + [(o, "cooperate") for o in helpers]

    def leaders_for(self, deadline: Deadline) -> list[str]:
        """The 分管领导 of the deadline's lead offices, in order, without repeats."""
        return list(
            dict.fromkeys(
                self.leader_of[o] for o in self.expand(deadline.lead) if o in self.leader_of
            )
        )

    def routine_to_for(self, deadline: Deadline) -> RoutineTo:
        return deadline.routine_to or self.settings.routine_to

    def leader_after_for(self, deadline: Deadline) -> Offset:
        return deadline.leader_after or self.settings.leader_after

    def channels_for(self, office: Office, kind: str | None = None) -> tuple[str, ...]:
        """The office's channels: as listed, else every channel it has an address for; for a
        message of `kind`, SMS only if the office takes that kind by SMS (`sms_kinds`)."""
        if kind is not None and kind not in office.sms_kinds:
            return tuple(c for c in self.channels_for(office) if c != Channel.SMS)
        if office.channels is not None:
            return office.channels
        have = {
            Channel.EMAIL: bool(office.email),
            Channel.WECOM: office.wecom is not None,
            Channel.WEBHOOK: office.webhook is not None,
            Channel.DINGTALK: office.dingtalk is not None,
            Channel.FEISHU: office.feishu is not None,
            Channel.SMS: bool(office.sms),
        }
        return tuple(c for c in CHANNELS if have[c])

    def remind_offsets(self, deadline: Deadline) -> tuple[Offset, ...]:
        return deadline.remind if deadline.remind is not None else self.settings.remind

    def cooperate_offsets(self, deadline: Deadline) -> tuple[Offset, ...]:
        """A cooperating office's lead times: as set, else the farthest lead time and the due
        day (the lead office chases the rest)."""
        if deadline.cooperate_remind is not None:
            return deadline.cooperate_remind
        if self.settings.cooperate_remind is not None:
            return self.settings.cooperate_remind
        lead = self.remind_offsets(deadline)
        farthest = max(lead, key=lambda o: o.span)
        return tuple(dict.fromkeys((farthest, Offset(0, "d"))))

    def overdue_for(self, deadline: Deadline) -> Overdue:
        s = self.settings
        return Overdue(
            steps=s.overdue if deadline.overdue is None else deadline.overdue,
            every=s.overdue_every if deadline.overdue_every is None else deadline.overdue_every,
            limit=s.overdue_limit if deadline.overdue_limit is None else deadline.overdue_limit,
        )

    def shift_for(self, deadline: Deadline) -> Shift:
        return deadline.shift or self.settings.shift

    def send_time_for(self, deadline: Deadline) -> time:
        return deadline.send_time or self.settings.send_time
