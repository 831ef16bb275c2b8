"""Property tests: no rule string and no TOML text makes the loader raise anything but its own
error types, and every rule that parses expands to ordered dates."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reminder.calendar.parse import parse_offset, parse_rule
from reminder.calendar.workcal import WorkCalendar
from reminder.config.loader import parse_config
from reminder.errors import ConfigError, RuleError
from reminder.planning.planner import plan
from tests.conftest import BASE

CAL = WorkCalendar()

heads = st.sampled_from(
    ["yearly", "monthly", "quarterly", "half-yearly", "weekly", "RRULE:", "2027-", "", "daily"]
)
args = st.one_of(
    st.integers(-5, 40).map(str),
    st.builds(lambda m, d: f"{m:02d}-{d:02d}", st.integers(0, 14), st.integers(0, 33)),
    st.sampled_from(
        [
            "last",
            "last-workday",
            "workday",
            "MON",
            "sun",
            "02-last",
            "13-last",
            "FREQ=DAILY",
            "FREQ=MONTHLY;BYMONTHDAY=31",
            "FREQ=YEARLY;BYMONTH=2",
            "FREQ=WEEKLY;INTERVAL=0",
            "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR",
            "06-30",
            "x",
        ]
    ),
    st.text(max_size=8),
)
rule_text = st.builds(lambda h, a: " ".join([h, *a]).strip(), heads, st.lists(args, max_size=3))


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(rule_text | st.text(max_size=30))
def test_rule_parser_raises_only_rule_error(text: str) -> None:
    try:
        rule = parse_rule(text)
    except RuleError:
        return
    got = [d.nominal for d in rule.dues_between(date(2026, 1, 1), date(2027, 12, 31), CAL)]
    assert got == sorted(got)
    assert all(date(2026, 1, 1) <= d <= date(2027, 12, 31) for d in got)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_offset_parser_raises_only_rule_error(text: str) -> None:
    try:
        offset = parse_offset(text)
    except RuleError:
        return
    assert offset.amount >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.data())
def test_any_text_is_valid_or_a_config_error(text: str, data: st.DataObject) -> None:
    """Any text put into a valid file, at any line: a config error naming lines of the file,
    or a config whose every deadline names offices it defines, and that plans in order."""
    lines = BASE.splitlines()
    at = data.draw(st.integers(0, len(lines)))
    source = "\n".join([*lines[:at], text, *lines[at:]]) + "\n"
    try:
        config = parse_config(source, environ={})
    except ConfigError as exc:
        assert exc.issues
        last = source.count("\n") + 1
        assert all(i.path == "schedules.toml" and 1 <= i.line <= last for i in exc.issues)
        return
    offices = set(config.offices)
    assert config.deadlines and offices
    for d in config.deadlines:
        assert d.title and set(config.expand(d.lead)) <= offices and config.expand(d.lead)
    reminders = plan(config, date(2026, 1, 1), date(2026, 12, 31))
    assert reminders and [r.remind_at for r in reminders] == sorted(r.remind_at for r in reminders)


toml_scalar = st.one_of(
    st.integers(-10, 3000),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "yearly 01-31",
            "monthly last",
            "7d",
            "0wd",
            "09:00",
            "office",
            "all",
            "2027-02-30",
            "Asia/Shanghai",
            "${WECOM_KEY}",
            "cn",
            "before",
        ]
    ),
)
toml_value = st.one_of(toml_scalar, st.lists(toml_scalar, max_size=4))


def render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_value_in_any_key_is_valid_or_a_config_error(data: st.DataObject) -> None:
    lines = BASE.splitlines()
    keyed = [i for i, line in enumerate(lines) if " = " in line]
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.sampled_from(keyed))
        key = lines[i].split(" = ")[0]
        lines[i] = f"{key} = {render(data.draw(toml_value))}"
    text = "\n".join(lines) + "\n"
    try:
        config = parse_config(text, environ={})
    except ConfigError as exc:
        assert all(1 <= i.line <= len(lines) for i in exc.issues)
        return
    # A config that loads also plans: in order, inside the window.
    reminders = plan(config, date(2026, 1, 1), date(2026, 12, 31))
    assert [r.remind_at for r in reminders] == sorted(r.remind_at for r in reminders)
    assert all(date(2026, 1, 1) <= r.day <= date(2026, 12, 31) for r in reminders)
