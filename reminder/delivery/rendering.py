"""Jinja2 templates → message text. Sandboxed, StrictUndefined, HTML autoescaped.

Templates live in `templates/` beside the package; `[delivery] templates_dir` overrides any of
them file by file. What offices read is Chinese; this module only builds the context.
"""

from __future__ import annotations

import builtins
import hashlib
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemBytecodeCache,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateRuntimeError,
)
from jinja2 import __version__ as jinja_version
from jinja2.sandbox import SandboxedEnvironment

from reminder import labels
from reminder.config import cache as config_cache
from reminder.config.model import Config, Office
from reminder.delivery.alerts import sample_failure
from reminder.delivery.channels import REGISTRY, spec_of
from reminder.delivery.channels.base import Rendered
from reminder.delivery.channels.sms import short_text
from reminder.delivery.documents import Official, sample_circular
from reminder.delivery.notices import NoticeFacts, sample_notice
from reminder.delivery.wording import PLAIN_FIELDS, Item, make_item, sections, urgency
from reminder.errors import Issue
from reminder.shipped import shipped

TEMPLATES_DIR = shipped("templates")
WECOM_DIGEST_ITEMS = 10  # a longer WeCom digest lists the most urgent; the email has them all


# Markdown a WeCom robot acts on, in text from the config: a link ([text](url)), a tag
# (<font>, <a>), a heading or a quote at a line's start. Full-width forms read the same.
_MARKDOWN = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "｀"})


RANGE_LIMIT = 1000  # a message lists tens of items; loops nested over this many stay quick


def small_range(*args: int) -> range:
    """`range` for templates, at most RANGE_LIMIT long (Jinja's sandbox allows 100,000: two
    loops nested over such ranges run for minutes without a call the time limit sees)."""
    found = range(*args)
    if len(found) > RANGE_LIMIT:
        raise TemplateRuntimeError(f"range() of {len(found)} items: at most {RANGE_LIMIT}")
    return found


def markdown_text(value: object) -> str:
    """Config text made inert in WeCom markdown (the `md` filter of the markdown templates)."""
    lines = str(value).translate(_MARKDOWN).split("\n")
    return "\n".join("＃" + line[1:] if line.startswith("#") else line for line in lines)


class _Sandbox(SandboxedEnvironment):
    """The sandbox, letting templates read the fields of our own records (an Item, an Office)
    without its checks: those hold only text, numbers and lists of them, and a checked read
    costs five times as much (a message reads some forty). Everything else is checked."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in PLAIN_FIELDS.get(type(obj), ()):
            return builtins.getattr(obj, attribute)
        _within_time()
        return super().getattr(obj, attribute)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _within_time()
        return super().call(__context, __obj, *args, **kwargs)


RENDER_SECONDS = 5.0  # a message renders in milliseconds; this long is a loop that never ends
_deadline = threading.local()


def _within_time() -> None:
    """Stop a render that has run past its time: a template with nested loops over large
    ranges would hold `check`, and the dispatcher, for hours. Checked at every call and
    checked attribute read a template makes, which every loop of loops does."""
    until = getattr(_deadline, "until", None)
    if until is not None and time.monotonic() > until:
        raise TemplateRuntimeError(
            f"rendering took longer than {RENDER_SECONDS:g} s: a loop that does not end?"
        )


def template_files(templates_dir: str | None, base: Path | None) -> dict[str, Path]:
    """Every template by name (`wecom/text.j2`): the shipped ones, each replaced by the admin's
    file of the same name in `templates_dir` (relative to `base`, the config's folder)."""
    dirs = template_dirs(templates_dir, base)
    return {p.relative_to(d).as_posix(): p for d in dirs for p in sorted(d.rglob("*.j2"))}


def template_dirs(templates_dir: str | None, base: Path | None) -> list[Path]:
    """The shipped templates folder, and the admin's (relative to `base`) when set."""
    dirs = [TEMPLATES_DIR]
    if templates_dir:
        path = Path(templates_dir)
        dirs.append(path if path.is_absolute() or base is None else base / path)
    return dirs


def templates_stamp(files: dict[str, Path]) -> tuple[tuple[str, int, int], ...]:
    """What changes when a template file is edited, added or removed (cheap: no reading)."""
    out = []
    for name, path in sorted(files.items()):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


class Renderer:
    """Renders the shipped (or the admin's) templates for one channel and office.

    The template files are read once, when the renderer is made: a running service keeps
    the templates it checked, and an edit takes effect when a reload has checked it
    (`Runtime.reload_if_changed`), never half-way."""

    def __init__(self, templates_dir: str | None = None, base: Path | None = None) -> None:
        files = template_files(templates_dir, base)
        self.stamp = templates_stamp(files)
        sources: dict[str, str] = {}
        self._unreadable: list[Issue] = []  # reported by `check`
        roots = [d.resolve() for d in template_dirs(templates_dir, base)]
        for name, path in files.items():
            try:
                if not any(path.resolve().is_relative_to(root) for root in roots):
                    raise OSError("a link to a file outside the templates folder: refused")
                sources[name] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                how = " as UTF-8" if isinstance(exc, UnicodeDecodeError) else ""
                message = f"cannot be read{how}: {exc}"
                self._unreadable.append(
                    Issue(path=str(path), line=0, field="template", message=message)
                )
        # What it holds and the Jinja that runs it: a passed check is known by this (app/runtime)
        held = repr((sorted(sources.items()), [str(i) for i in self._unreadable], jinja_version))
        self.digest = hashlib.sha256(held.encode()).hexdigest()
        self.env = _Sandbox(
            loader=_Snapshot(sources, files),
            undefined=StrictUndefined,
            autoescape=lambda name: name is not None and "html" in name,
            keep_trailing_newline=False,
            trim_blocks=False,
            auto_reload=False,
            bytecode_cache=_compiled_cache(),
        )
        self.env.filters["md"] = markdown_text
        self.env.globals["range"] = small_range

    def _render(self, name: str, **context: Any) -> str:
        _deadline.until = time.monotonic() + RENDER_SECONDS
        try:
            return self.env.get_template(name).render(**context).strip()
        finally:
            _deadline.until = None

    def reminder(
        self,
        channel: str,
        office: Office,
        items: Sequence[Item],
        *,
        config: Config,
        digest: bool,
        mentions: bool = False,
        part: str = "",
        office_url: str = "",
        sent_on: date | None = None,
    ) -> Rendered:
        """One message about one item, or a digest about several (`part`: "(1/3)" when a
        digest takes several messages). A robot channel renders the robots' templates: WeCom
        and DingTalk markdown (WeCom text when it @-mentions someone, `mentions`), Feishu
        text; only the one it sends is rendered."""
        many = digest and len(items) > 1
        prefix = "digest_" if many else ""
        ordered = sorted(items, key=urgency)
        shown, more = ordered, 0
        by_email = config.email.host is not None and "email" in config.channels_for(office)
        spec = spec_of(channel)
        robot, can_mention = (spec.robot, spec.mentions) if spec else ("", False)
        if robot and len(ordered) > WECOM_DIGEST_ITEMS and by_email:
            shown, more = ordered[:WECOM_DIGEST_ITEMS], len(ordered) - WECOM_DIGEST_ITEMS
        admin = config.offices.get(config.delivery.admin or "")
        context: dict[str, Any] = {
            "office": office,
            "items": shown,
            "item": ordered[0],
            "digest": many,
            "sections": sections(shown),
            "counts": [(s.title, len(s.items)) for s in sections(ordered)],
            "total": len(ordered),
            "more": more,
            "part": part,
            "office_url": office_url,
            "admin_name": admin.name if admin is not None else "办公室",
            "signature": config.settings.signature,
            "contact": config.settings.contact,
            "sent_on": f"{sent_on.year}年{sent_on.month}月{sent_on.day}日" if sent_on else "",
            "provisional_years": sorted({y for i in items for y in i.provisional_years}),
        }
        subject = self._render(f"email/{prefix}subject.j2", **context)
        if channel == "sms":  # short: what, when, and a link when it fits
            sms = partial(self._render, f"sms/{prefix}text.j2", **context)
            return Rendered(subject=subject, text=short_text(sms))
        if robot:
            if robot == "text" or (mentions and can_mention):
                return Rendered(
                    subject=subject, text=self._render(f"wecom/{prefix}text.j2", **context)
                )
            markdown = self._render(f"wecom/{prefix}markdown.j2", **context)
            return Rendered(subject=subject, text=markdown, markdown=markdown)
        html = self._render(f"email/{prefix}html.j2", **context) if channel == "email" else None
        return Rendered(
            subject=subject, text=self._render(f"email/{prefix}text.j2", **context), html=html
        )

    def alert(self, office: Office, failed: dict[str, Any], signature: str = "") -> Rendered:
        """Tell the admin office that a reminder could not be delivered."""
        text = self._render("alert/text.j2", office=office, failed=failed, signature=signature)
        return Rendered(
            subject=self._render("alert/subject.j2", office=office, failed=failed),
            text=text,
            markdown=text,
        )

    def bulletin(self, office: Office, circular: Any, link: str = "", via: str = "") -> Rendered:
        """The 通报 (reminder/app/circular.py) as a message to `office`: the same words for
        every reader; `via` SMS, a short notice that it is out."""
        doc = self.official(circular)
        context = {"office": office, "c": circular, "to": doc.to, "body": doc.body, "link": link}
        if via == "sms":
            sms = partial(self._render, "sms/report.j2", **context, url=link)
            return Rendered(subject=doc.title, text=short_text(sms))
        return Rendered(
            subject=self._render("report/subject.j2", **context),
            text=self._render("report/text.j2", **context),
            html=self._render("report/html.j2", **context),
            markdown=self._render("report/markdown.j2", **context),
        )

    def official(self, circular: Any) -> Official:
        """The 通报 as a 公文 to lay out (DOCX): title, 文号, 主送, paragraphs, 落款, date."""
        to, *body = self._lines("report/body.j2", c=circular)
        return Official(
            title=self._render("report/title.j2", c=circular),
            number=circular.number or "",
            to=to,
            body=body,
            signature=circular.signature,
            dated=self._lines("report/closing.j2", c=circular)[-1],  # under the 落款
        )

    def notice(self, facts: NoticeFacts) -> Official:
        """A 督办通知单 (reminder/delivery/notices.py) as a 公文 to lay out."""
        to, *body = self._lines("notice/body.j2", n=facts)
        return Official(
            title=self._render("notice/title.j2", n=facts),
            number=facts.number,
            to=to,
            body=body,
            signature=facts.signature,
            dated=self._lines("notice/closing.j2", n=facts)[-1],
        )

    def _lines(self, name: str, **context: Any) -> list[str]:
        return [line.strip() for line in self._render(name, **context).splitlines() if line.strip()]

    def test_message(self, office: Office, channel: str) -> Rendered:
        text = self._render("test/text.j2", office=office, channel_name=labels.channel(channel))
        return Rendered(subject="【测试】政务公开工作提醒", text=text, markdown=text)

    def check(self, config: Config) -> list[Issue]:
        """Render every template with sample data; each failure is an Issue for `check`."""
        if not config.deadlines:
            return list(self._unreadable)
        office = next(iter(config.offices.values()))
        d = config.deadlines[0]
        sample = make_item(
            config,
            config.calendar(),
            deadline_id=d.id,
            kind="overdue",
            role="lead",
            due=date(2027, 1, 29),
            nominal_due=date(2027, 1, 31),
            period_key="2027",
            working_days_left=-2,
            provisional_years=[2027],
        )
        failed = sample_failure(office, d)
        issues = list(self._unreadable)
        linked = replace(sample, url="https://example.gov.cn/reminder/i/x")
        calls: list[Callable[[], Rendered | Official]] = [
            partial(
                self.reminder,
                ch,
                office,
                items,
                config=config,
                digest=dg,
                mentions=at,
                office_url="https://example.gov.cn/reminder/o/x" if items[0].url else "",
            )
            for ch, spec in REGISTRY.items()
            for at in ((False, True) if spec.mentions else (False,))
            for dg in (False, True)
            for items in ([sample, sample], [linked, linked])
        ]
        calls += [
            partial(self.bulletin, office, sample_circular(config), "https://example.gov.cn/r"),
            partial(self.bulletin, office, sample_circular(config), "https://e.cn/r", "sms"),
            partial(self.notice, sample_notice(config)),
            partial(self.alert, office, failed, config.settings.signature),
            partial(self.test_message, office, "wecom"),
        ]
        for call in calls:
            try:
                call()
            except Exception as exc:  # a template may raise anything: {{ 1 // 0 }}
                issues.append(template_issue(exc))
        return list({str(i): i for i in issues}.values())


def _compiled_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept in the config cache: a restart with the same templates does not
    compile them again (each is keyed by its source). Per version of this code, which decides
    how they are compiled (the sandbox, autoescaping)."""
    folder = config_cache.private_folder(f"templates-{config_cache.code_stamp()[:16]}")
    return FileSystemBytecodeCache(str(folder)) if folder is not None else None


class _Snapshot(BaseLoader):
    """Template sources as read when the renderer was made; errors name the file."""

    def __init__(self, sources: dict[str, str], files: dict[str, Path]) -> None:
        self.sources, self.files = sources, files

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        return self.sources[template], str(self.files[template]), lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self.sources)


def template_issue(exc: Exception) -> Issue:
    """Locate a template error: syntax errors say where; runtime errors (of Jinja, or any
    exception a template expression raised) are found in the traceback, which Jinja rewrites
    to point into the template."""
    name: str | None = None
    line = 0
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, TemplateError):
        name = getattr(exc, "filename", None) or getattr(exc, "name", None)
        line = getattr(exc, "lineno", None) or 0
        message = exc.message or str(exc)
    if name is None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno or 0
    return Issue(path=str(name or "templates"), line=int(line), field="template", message=message)
