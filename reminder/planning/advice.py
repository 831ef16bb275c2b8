"""Warnings that need the calendar and the planner: provisional years, rules that have ended.

`check` and `preview` print them; they never stop the service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, timedelta

from reminder.config.model import Config, expand_env
from reminder.config.tomlpos import line_of
from reminder.errors import Issue
from reminder.planning.counting import Counts, provisional_counts

LOOKAHEAD = timedelta(days=365)


# The State Council publishes next year's holidays in November: from this day on, `check` asks
# for the notice when next year is still provisional.
NOTICE_SEASON = (11, 15)
_FROM_NOTICE = (
    "once the State Council's notice for {year} is out, `reminder calendar --from-notice "
    "NOTICE.txt` turns it into the [calendar] block to add here"
)


def provisional_warnings(config: Config, counts: Counts, today: date | None = None) -> list[Issue]:
    """One warning per provisional year that reminders depend on, naming the year; from
    NOTICE_SEASON on, next year's names the command that reads the notice, and comes even
    when no reminder depends on that year yet."""
    awaited = None
    if today is not None and (today.month, today.day) >= NOTICE_SEASON:
        awaited = today.year + 1
    line = line_of(config.lines, "calendar")
    issues = []
    for year, (n, first) in counts.items():
        then = (
            _FROM_NOTICE.format(year=year)
            if year == awaited
            else f"when the State Council publishes {year}'s schedule, add it under "
            "[calendar] and list the year in confirmed_years"
        )
        message = (
            f"{year} has no official holiday schedule yet: {n} reminder(s) from {first} use a "
            "provisional calendar (weekends and statutory holidays, no 调休 make-up workdays); "
            + then
        )
        issues.append(Issue(path=config.path, line=line, field="calendar", message=message))
    if awaited is not None and awaited not in counts and not config.calendar().is_official(awaited):
        message = f"{awaited} has no official holiday schedule yet: " + _FROM_NOTICE.format(
            year=awaited
        )
        issues.append(Issue(path=config.path, line=line, field="calendar", message=message))
    return issues


def ended_warnings(config: Config, today: date) -> list[Issue]:
    """Deadlines whose rule has no due date from today on: they will never remind anyone."""
    cal = config.calendar()
    out = []
    for i, d in enumerate(config.deadlines):
        if d.rule.next_after(today - timedelta(days=1), cal) is None:
            field = f"deadlines[{i}].due"
            out.append(
                Issue(
                    path=config.path,
                    line=line_of(config.lines, field),
                    field=field,
                    message=f"{d.rule.text!s} has no due date on or after {today}: "
                    f'deadline "{d.id}" will not remind anyone',
                )
            )
    return out


def email_warnings(config: Config, environ: Mapping[str, str] | None = None) -> list[Issue]:
    """Offices with email addresses while [email] cannot send: their email is held."""
    env = os.environ if environ is None else environ
    users = [o for o in config.offices.values() if "email" in config.channels_for(o)]
    if not users:
        return []
    problem = None
    if config.email.host is None:
        problem = "[email] host is not configured"
    elif config.email.password and expand_env(config.email.password, env) is None:
        problem = f"the SMTP password ({config.email.password}) is not set in the environment"
    if problem is None:
        return []
    first = next(i for i, o in enumerate(config.offices.values()) if o in users)
    field = f"offices[{first}].email"
    line = config.lines.get("email") or line_of(config.lines, field)
    message = f"{problem}: email reminders to {len(users)} office(s) are held until it is"
    return [Issue(path=config.path, line=line, field="email", message=message)]


def advisories(config: Config, today: date) -> list[Issue]:
    """Everything `check` warns about beyond the file itself, for the year ahead."""
    counts = provisional_counts(config, today, today + LOOKAHEAD)
    return (
        ended_warnings(config, today)
        + email_warnings(config)
        + provisional_warnings(config, counts, today)
    )
