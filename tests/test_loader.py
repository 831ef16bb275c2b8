"""schedules.toml validation: every mistake is a located message, never a traceback."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest

from reminder.config.loader import load_config, parse_config
from reminder.errors import ConfigError
from tests.conftest import BASE, SHIPPED, config_from, variant

NEW_DEADLINE = '\n[[deadlines]]\nid = "annual-report"\ntitle = "另一个"\nlead = ["legal"]\ndue = "monthly last"\n'
CALENDAR = '\n[calendar]\nholidays = ["2027-02-05"]\nworkdays = ["2027-02-20"]\n'

# (what to replace, with what, the one expected error)
CASES = [
    (
        'due = "yearly 01-31"',
        'due = "yearly 02-30"',
        '28: deadlines[0].due: "yearly 02-30" is not a date (February has at most 29 days)',
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 13-01"',
        '28: deadlines[0].due: "yearly 13-01" is not a date (there is no month 13)',
    ),
    (
        'due = "yearly 01-31"',
        'due = "monthly 31"',
        '28: deadlines[0].due: "monthly 31" is not a date in every period (the shortest first '
        'month has 28 days); write "monthly last" for the end of the period',
    ),
    (
        'due = "yearly 01-31"',
        'due = "weekly FUNDAY"',
        '28: deadlines[0].due: "weekly FUNDAY": weekly takes one day of MON TUE WED THU FRI SAT SUN',
    ),
    (
        'due = "yearly 01-31"',
        'due = "RRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31"',
        '28: deadlines[0].due: "RRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31" never fires',
    ),
    (
        'due = "yearly 01-31"',
        'due = "2027-02-30"',
        '28: deadlines[0].due: "2027-02-30" is not a date (February 2027 has 28 days)',
    ),
    (
        'due = "yearly 01-31"',
        "due = 20270630",
        '28: deadlines[0].due: must be a due rule like "yearly 01-31", got 20270630',
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 01-31"\nstart = "2027-07-01"\nend = "2027-01-01"',
        "28: deadlines[0].due: start 2027-07-01 is after end 2027-01-01",
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 01-31"\nend = "2027-02-30"',
        '29: deadlines[0].end: "2027-02-30" is not a date (February 2027 has 28 days)',
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 01-31"\nstart = 2027-06-30\nend = 2027-12-31',
        '28: deadlines[0].due: "yearly 01-31" never fires on or after start 2027-06-30 on or '
        "before end 2027-12-31",
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 01-31"\nremind = ["7d", "soon"]',
        '29: deadlines[0].remind[1]: "soon" is not a lead time: write a number of calendar days '
        '("7d") or working days ("3wd")',
    ),
    (
        'due = "yearly 01-31"',
        'dew = "yearly 01-31"',
        (
            "21: deadlines[0].due: is required",
            '28: deadlines[0].dew: unknown key (did you mean "due"?)',
        ),
    ),
    ('due = "yearly 01-31"\n', "", "21: deadlines[0].due: is required"),
    ('title = "发布年度报告"\n', "", "21: deadlines[0].title: is required"),
    ('title = "发布年度报告"', 'title = "  "', "24: deadlines[0].title: must not be empty"),
    (
        'lead = ["office"]',
        'lead = ["ofice"]',
        '26: deadlines[0].lead[0]: unknown office or group "ofice" (did you mean "office"?)',
    ),
    (
        'lead = ["office"]',
        "lead = []",
        "26: deadlines[0].lead: must name at least one office or group",
    ),
    (
        'cooperate = ["all"]',
        'cooperate = "all"',
        '27: deadlines[0].cooperate: must be a list of strings, got "all"',
    ),
    (
        'cooperate = ["all"]',
        'cooperate = ["all", 3]',
        "27: deadlines[0].cooperate[1]: must be a string, got 3",
    ),
    ("task = 41", 'task = "41"', '23: deadlines[0].task: must be a task number, got "41"'),
    ("task = 41", "task = 0", "23: deadlines[0].task: must be a task number from 1 to 9999, got 0"),
    (
        'id = "annual-report"',
        'id = "Annual Report"',
        '22: deadlines[0].id: "Annual Report" is not an id: use lowercase letters, digits, "-" or '
        '"_", starting with a letter',
    ),
    (
        BASE,
        BASE + NEW_DEADLINE,
        '31: deadlines[1].id: duplicate id "annual-report" (first used by deadlines[0])',
    ),
    (
        "task = 41",
        "task = 41 41",
        "23: toml: Expected newline or end of document after a statement (not valid TOML)",
    ),
    ('name = "办公室"', 'name = "办公室', "8: toml: Illegal character '\\n' (not valid TOML)"),
    ("[settings]", "[setings]", '1: setings: unknown section (did you mean "settings"?)'),
    ("[settings]", "[[settings]]", "1: settings: must be a table, written [settings]"),
    (
        'send_time = "09:00"',
        'sendtime = "09:00"',
        '3: settings.sendtime: unknown key (did you mean "send_time"?)',
    ),
    (
        'timezone = "Asia/Shanghai"',
        'timezone = "Asia/Beijing"',
        '2: settings.timezone: "Asia/Beijing" is not a time zone (e.g. "Asia/Shanghai")',
    ),
    (
        'send_time = "09:00"',
        'send_time = "9am"',
        '3: settings.send_time: "9am" is not a time of day (write HH:MM)',
    ),
    (
        'send_time = "09:00"',
        'send_time = "24:00"',
        '3: settings.send_time: "24:00" is not a time of day (write HH:MM)',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = ["7d", "1week", "0d"]',
        '4: settings.remind[1]: "1week" is not a lead time: write a number of calendar days ("7d") '
        'or working days ("3wd")',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = "7d"',
        '4: settings.remind: must be a list of strings, got "7d"',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        "remind = []",
        '4: settings.remind: must list at least one lead time, e.g. ["0d"]',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = [\n  "7d",\n  "1wd",\n  "0x",\n]',
        '7: settings.remind[2]: "0x" is not a lead time: write a number of calendar days ("7d") '
        'or working days ("3wd")',
    ),
    (
        'send_time = "09:00"',
        'workdays = "china"',
        '3: settings.workdays: "china" is not one of "cn" | "weekdays"',
    ),
    (
        'send_time = "09:00"',
        'shift = "later"',
        '3: settings.shift: "later" is not one of "before" | "after" | "none"',
    ),
    (
        'send_time = "09:00"',
        'overdue_every = "0wd"',
        '3: settings.overdue_every: "0wd" must be at least 1 day',
    ),
    (
        'send_time = "09:00"',
        'escalate_to = ["boss"]',
        '3: settings.escalate_to[0]: unknown office or group "boss"',
    ),
    (
        BASE,
        BASE + '\n[calendar]\nholidays = ["2027-02-30"]\n',
        '31: calendar.holidays[0]: "2027-02-30" is not a date (February 2027 has 28 days)',
    ),
    (
        BASE,
        BASE + '\n[calendar]\nholidays = ["2027-02-20"]\nworkdays = ["2027-02-20"]\n',
        "32: calendar.workdays: 2027-02-20 is also listed in calendar.holidays",
    ),
    (
        BASE,
        BASE + CALENDAR + 'confirmed_years = ["2027"]\n',
        '33: calendar.confirmed_years[0]: must be a year like 2027, got "2027"',
    ),
    # The office has no id, so the group naming "legal" is wrong too: two true errors.
    (
        'id = "legal"\n',
        "",
        ("11: offices[1].id: is required", '18: groups[0].members[1]: unknown office "legal"'),
    ),
    (
        'id = "legal"',
        'id = "Legal Office"',
        (
            '12: offices[1].id: "Legal Office" is not an id: use lowercase letters, digits, "-" or '
            '"_", starting with a letter',
            '19: groups[0].members[1]: unknown office "legal"',
        ),
    ),
    (
        'id = "legal"',
        'id = "office"',
        (
            '12: offices[1].id: duplicate id "office" (first used by offices[0])',
            '19: groups[0].members[1]: unknown office "legal"',
        ),
    ),
    ('name = "法规信访科"\n', "", "11: offices[1].name: is required"),
    (
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk(at)example.gov.cn"]',
        '14: offices[1].email[0]: "fgxfk(at)example.gov.cn" is not an email address',
    ),
    (
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk@example.gov.cn"]\nwecom = "${WECOM KEY}"',
        "15: offices[1].wecom: a ${NAME} reference must be ${ followed by letters, digits or _ and }",
    ),
    (
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk@example.gov.cn"]\nchannels = ["fax"]',
        '15: offices[1].channels[0]: unknown channel "fax" (one of email, wecom, webhook, '
        "dingtalk, feishu, sms)",
    ),
    (
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk@example.gov.cn"]\nmention_mobiles = ["13800000000", "12345"]',
        '15: offices[1].mention_mobiles[1]: "12345" is not a mobile number (11 digits) or "@all"',
    ),
    (
        'members = ["office", "legal"]',
        'members = ["office", "legl"]',
        '19: groups[0].members[1]: unknown office "legl" (did you mean "legal"?)',
    ),
    (
        'members = ["office", "legal"]',
        'members = ["office", "all"]',
        '19: groups[0].members[1]: "all" is a group (groups list offices only)',
    ),
    (
        'members = ["office", "legal"]',
        "members = []",
        "19: groups[0].members: must list at least one office",
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 01-31"\nkind = "standing"',
        '29: deadlines[0].kind: "standing" is not one of "deadline" | "routine"',
    ),
    (
        'due = "yearly 01-31"',
        'due = "yearly 01-31"\noverdue = ["1wd", "weekly"]',
        '29: deadlines[0].overdue[1]: "weekly" is not a lead time: write a number of calendar '
        'days ("7d") or working days ("3wd")',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = ["7d", "1wd", "0d"]\ncooperate_remind = ["soon"]',
        '5: settings.cooperate_remind[0]: "soon" is not a lead time: write a number of calendar '
        'days ("7d") or working days ("3wd")',
    ),
    (
        'name = "办公室"',
        'name = "办公室"\ndigest = "weekly XYZ"',
        '9: offices[0].digest: "weekly XYZ" is not a cadence: write "daily" or "weekly MON" '
        "(a weekday: MON, TUE, WED, THU, FRI)",
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = ["7d", "1wd", "0d"]\noverdue = ["3wd", "1wd"]',
        '5: settings.overdue[1]: "1wd" comes after "3wd": list the overdue reminders in the '
        'order they go out, each later than the one before (e.g. ["1wd", "3wd", "5wd"])',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = ["7d", "1wd", "0d"]\nescalate_to = ["ofice"]',
        '5: settings.escalate_to[0]: unknown office or group "ofice" (did you mean "office"?)',
    ),
    (
        "[[offices]]",
        '[delivery]\nadmin = "ofice"\n\n[[offices]]',
        '7: delivery.admin: unknown office "ofice" (did you mean "office"?)',
    ),
    (
        "[[offices]]",
        '[delivery]\nkeep = "30d"\n\n[[offices]]',
        '7: delivery.keep: "30d" is not a span of at least 90 days (write e.g. "3y" or "400d")',
    ),
    (
        'remind = ["7d", "1wd", "0d"]',
        'remind = ["7d", "1wd", "0d"]\noverdue_limit = -1',
        "5: settings.overdue_limit: must be a whole number from 0 to 1000, got -1",
    ),
    (
        'title = "发布年度报告"',
        'title = "发布\u2028年度报告"',
        "24: deadlines[0].title: must be one line, but holds a line break: U+2028 (LINE "
        "SEPARATOR) at character 3",
    ),
    (
        'name = "办公室"',
        'name = "办公室\\r\\nBcc: x@evil.example"',
        "8: offices[0].name: must be one line, but holds a line break: U+000D (CARRIAGE "
        "RETURN) at character 4",
    ),
    (
        'title = "发布年度报告"',
        'title = "发布\u202e告报度年"',
        "24: deadlines[0].title: holds an invisible control character: U+202E (RIGHT-TO-LEFT "
        "OVERRIDE) at character 3; remove it",
    ),
    (
        'id = "all"',
        'id = "office"',
        (
            '17: groups[0].id: duplicate id "office" (first used by an office)',
            '27: deadlines[0].cooperate[0]: unknown office or group "all"',
        ),
    ),
]


def _expected(expected: str | tuple[str, ...]) -> list[str]:
    items = (expected,) if isinstance(expected, str) else expected
    return [f"schedules.toml:{e}" for e in items]


@pytest.mark.parametrize(
    ("old", "new", "expected"), CASES, ids=[_expected(c[2])[-1][15:75] for c in CASES]
)
def test_each_mistake_is_named_with_its_line(
    old: str, new: str, expected: str | tuple[str, ...]
) -> None:
    with pytest.raises(ConfigError) as exc:
        config_from(variant(old, new))
    assert [str(i) for i in exc.value.issues] == _expected(expected)


def test_overdue_settings_on_a_routine_duty_are_a_warning() -> None:
    config = config_from(
        variant('due = "yearly 01-31"', 'due = "monthly last"\nkind = "routine"\noverdue_limit = 3')
    )
    assert [str(w) for w in config.warnings] == [
        "schedules.toml:30: deadlines[0].overdue_limit: a routine duty is announced once a "
        "period and never chased as overdue: overdue_limit has no effect (remove it, or make "
        'the task kind = "deadline")'
    ]


def test_there_are_at_least_thirty_distinct_cases() -> None:
    assert len({str(c[2]) for c in CASES}) >= 30


def test_a_table_where_an_array_of_tables_belongs() -> None:
    with pytest.raises(ConfigError) as exc:
        config_from('[offices]\nid = "office"\nname = "办公室"\n')
    assert str(exc.value) == (
        "schedules.toml:1: offices: must be an array of tables, written [[offices]]"
    )


def test_every_error_is_reported_at_once_in_line_order() -> None:
    text = variant('due = "yearly 01-31"', 'due = "yearly 02-30"')
    text = variant('send_time = "09:00"', 'send_time = "9"', text)
    with pytest.raises(ConfigError) as exc:
        config_from(text)
    assert str(exc.value).splitlines() == [
        'schedules.toml:3: settings.send_time: "9" is not a time of day (write HH:MM)',
        'schedules.toml:28: deadlines[0].due: "yearly 02-30" is not a date (February has at most '
        "29 days)",
    ]


def test_lines_are_right_after_multiline_strings() -> None:
    text = variant(
        'limit = "每年1月31日前"',
        'requirement = """第一行\ndue = "not this"\n第三行"""\nlimit = "每年1月31日前"',
    )
    text = variant('due = "yearly 01-31"', 'due = "yearly 02-30"', text)
    with pytest.raises(ConfigError) as exc:
        config_from(text)
    assert exc.value.issues[0].line == 31


def test_no_offices() -> None:
    with pytest.raises(ConfigError, match=r"^schedules.toml:1: offices: define at least one "):
        config_from('[settings]\ntimezone = "Asia/Shanghai"\n')


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.toml")
    assert (
        str(exc.value)
        == f"{tmp_path / 'nope.toml'}: file: cannot read it (No such file or directory)"
    )
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"[settings]\n# caf\xe9\n")
    with pytest.raises(ConfigError) as exc:
        load_config(bad)
    assert str(exc.value) == f"{bad}:2: file: is not UTF-8 text (save it as UTF-8)"


def test_unset_secret_is_a_warning_naming_office_and_variable() -> None:
    text = variant(
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk@example.gov.cn"]\nwecom = "${WECOM_KEY_LEGAL}"',
    )
    config = config_from(text)
    assert [str(w) for w in config.warnings] == [
        "schedules.toml:15: offices[1].wecom: environment variable WECOM_KEY_LEGAL is not set: "
        'office "legal" (法规信访科) gets no WeCom reminders until it is'
    ]
    assert config_from(text, WECOM_KEY_LEGAL="abc").warnings == ()


def test_a_key_written_in_the_file_is_a_warning() -> None:
    text = variant(
        'email = ["fgxfk@example.gov.cn"]',
        'email = ["fgxfk@example.gov.cn"]\nwecom = "693a91f6-7xxx"',
    )
    assert [w.message for w in config_from(text).warnings] == [
        'a robot key written in the file is a secret in git: use "${WECOM_KEY_...}" and set it '
        "in the environment"
    ]


def test_valid_base_builds_the_model() -> None:
    config = config_from(BASE + CALENDAR)
    d = config.deadlines[0]
    assert (d.id, d.task, d.title, d.due_text) == (
        "annual-report",
        41,
        "发布年度报告",
        "yearly 01-31",
    )
    assert config.recipients(d) == [("office", "lead"), ("legal", "cooperate")]
    assert [str(o) for o in config.remind_offsets(d)] == ["7d", "1wd", "0d"]
    assert str(config.calendar_overrides.holidays) == "frozenset({datetime.date(2027, 2, 5)})"


def test_shipped_schedules_toml_is_valid() -> None:
    config = load_config(SHIPPED, environ={})
    assert len(config.deadlines) == 42
    assert sorted(d.task for d in config.deadlines if d.task) == list(range(1, 43))
    by_task = {d.task: d for d in config.deadlines}
    assert by_task[41].due_text == "yearly 01-31"
    assert by_task[41].limit == "每年1月31日前"
    assert by_task[42].due_text == "yearly 02-last"
    assert by_task[42].limit == "每年2月底前"
    assert by_task[41].lead == ("office",) and by_task[41].cooperate == ("all",)
    assert all(d.requirement and d.limit for d in config.deadlines)
    # Every warning is an unset robot key: the file itself is clean.
    assert {w.field.split(".")[-1] for w in config.warnings} == {"wecom"}


def _comments_above_each_task(text: str) -> dict[int, str]:
    """Task number -> the comment lines written right above its [[deadlines]] table."""
    chunks = text.split("[[deadlines]]\n")
    found: dict[int, str] = {}
    for above, table in itertools.pairwise(chunks):
        head = table.split("\n[", 1)[0]
        task = next(line for line in head.splitlines() if line.startswith("task = "))
        block = above.rstrip("\n").split("\n\n")[-1].splitlines()
        found[int(task.removeprefix("task = "))] = "\n".join(
            line for line in block if line.startswith("#")
        )
    return found


def test_the_shipped_file_follows_its_task_table_with_review_lines() -> None:
    """Issue 22 item 8: the readings of the source that are choices carry a # REVIEW line."""
    config = load_config(SHIPPED, environ={})
    by_task = {d.task: d for d in config.deadlines}
    review = _comments_above_each_task(SHIPPED.read_text(encoding="utf-8"))
    # 10 and 12 belong to the 2022 key points the table implements: they end with that year.
    for task in (10, 12):
        assert by_task[task].rule.end == date(2022, 12, 31), task
    # 35 and 36 (a meeting, a report heard) are due mid-year, leaving time to hold them.
    for task in (35, 36):
        assert (by_task[task].kind, by_task[task].due_text) == ("deadline", "yearly 06-30")
    # 40 (建立台账并开展回头看) is a deadline, not a routine duty.
    assert (by_task[40].kind, by_task[40].due_text) == ("deadline", "yearly 03-31")
    # 42 ("3月1日前"): a due on a rest day moves after it, not before.
    assert config.shift_for(by_task[42]) == "after"
    assert config.shift_for(by_task[41]) == "before"
    # 3 names three offices: the first leads, the others cooperate.
    assert (by_task[3].lead, by_task[3].cooperate) == (("office",), ("legal", "personnel"))
    for task in (3, 10, 12, 35, 36, 40):
        assert "# REVIEW:" in review[task], task
    # The placeholder 局属各单位 never leads beside a real office.
    for d in config.deadlines:
        leads = config.expand(d.lead)
        assert "units" not in leads or leads == ["units"], d.id


def test_parse_config_never_reads_the_process_environment_when_given_one() -> None:
    text = variant(
        'email = ["fgxfk@example.gov.cn"]', 'email = ["fgxfk@example.gov.cn"]\nwecom = "${PATH}"'
    )
    assert len(parse_config(text, environ={}).warnings) == 1


def test_holidays_that_make_a_month_of_rest_days_are_an_error() -> None:
    """A due date on a rest day moves to the nearest workday; planning looks no further than
    31 days for it, so a longer run of rest days is refused, not a due date silently lost."""
    long = [f"2027-07-{d:02d}" for d in range(1, 32)] + ["2027-08-02"]  # to Tue 3 Aug
    text = BASE + f"\n[calendar]\nholidays = {json.dumps(long)}\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, environ={})
    assert [str(i) for i in err.value.issues] == [
        "schedules.toml:31: calendar.holidays: with these holidays more than 31 days in a row "
        "from 2027-07-01 are rest days: a due date among them would move further than planning "
        "looks; list fewer holidays, or some calendar.workdays"
    ]
    # A month less a weekend is fine; so is the same block broken by a listed workday.
    config_from(BASE + f"\n[calendar]\nholidays = {json.dumps(long[:29])}\n")
    broken = [d for d in long if d != "2027-07-17"]  # a Saturday, made a workday
    config_from(
        BASE + f'\n[calendar]\nholidays = {json.dumps(broken)}\nworkdays = ["2027-07-17"]\n'
    )


def test_a_lease_too_short_for_the_heartbeat_is_a_warning() -> None:
    short = config_from(BASE + '\n[delivery]\nlease = "4s"\n')
    assert [str(w) for w in short.warnings if w.field == "delivery.lease"] == [
        "schedules.toml:31: delivery.lease: 4 s is short: the heartbeat extends leases every "
        "1 s, and one slow database round could let a live instance's claim lapse and another "
        "repeat its sends; 10 s or more is safe (10 s by default)"
    ]
    # A send may take longer than the lease: the heartbeat keeps it.
    assert not [w for w in config_from(BASE).warnings if w.field == "delivery.lease"]
    assert config_from(BASE).delivery.lease.total_seconds() == 10


def test_a_file_saved_with_a_bom_reads_as_without(tmp_path: Path) -> None:
    path = tmp_path / "schedules.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert [d.id for d in load_config(path, environ={}).deadlines] == ["annual-report"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'title = "发布年度报告"',
            "title = “发布年度报告”",
            "24: toml: Invalid value (not valid TOML): full-width punctuation on this line; "
            'use ASCII (“ → ", ” → ")',
        ),
        (
            "[[deadlines]]",
            "［［deadlines］］",
            "21: toml: Invalid statement (not valid TOML): full-width punctuation on this line; "
            "use ASCII (［ → [, ］ → ])",
        ),
        (
            '[[offices]]\nid = "office"',
            '[offices]\nid = "office"',
            "6: toml: Cannot overwrite a value (not valid TOML): each office, group or deadline "
            "is a table of an array: write [[offices]]",
        ),
    ],
)
def test_toml_mistakes_an_input_method_makes_get_a_hint(old: str, new: str, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        config_from(variant(old, new))
    assert [str(i) for i in exc.value.issues] == [f"schedules.toml:{expected}"]


def test_a_setting_written_apart_below_the_last_deadline_is_a_warning() -> None:
    config = config_from(BASE + '\n# 统一改为10点发送\nsend_time = "10:00"\n')
    assert [str(w) for w in config.warnings] == [
        "schedules.toml:31: deadlines[0].send_time: set apart below the last deadline, "
        "send_time applies to that deadline only; if it is meant for every deadline, move it "
        "into [settings]"
    ]
    # Written with the deadline's other keys, it is that deadline's, as intended.
    assert config_from(BASE + 'send_time = "10:00"\n').warnings == ()


def test_key_lines_found_as_far_as_asked_agree_with_a_full_scan() -> None:
    import random

    from reminder.config.tomlpos import KeyLines, key_lines

    text = SHIPPED.read_text(encoding="utf-8")
    full = key_lines(text)
    keys = list(full)
    random.Random(7).shuffle(keys)
    lazy = KeyLines(
        text,
        roots=frozenset(
            {"settings", "wecom", "delivery", "calendar", "offices", "groups", "deadlines"}
        ),
    )
    assert {k: lazy[k] for k in keys} == full
    assert "email" not in lazy and "deadlines[0].nope" not in lazy
