"""`reminder init`: a starter schedules.toml and a templates/ folder to override into."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path
from typing import Any

from reminder.errors import UsageError
from reminder.shipped import shipped

STARTER = Path(__file__).resolve().parent / "starter"
TEMPLATES_LINE = (
    'templates_dir = "templates"  # 此目录中的模板逐个覆盖内置模板；删除某个文件即恢复内置\n'
)


def starter_config(minimal: bool) -> str:
    """The starter file: a small commented one, or the shipped one pointed at templates/."""
    if minimal:
        return (STARTER / "minimal.toml").read_text(encoding="utf-8")
    text = shipped("schedules.toml").read_text(encoding="utf-8")
    with_templates, found = re.subn(r"(?m)^\[delivery\]\n", "[delivery]\n" + TEMPLATES_LINE, text)
    return with_templates if found else text + "\n[delivery]\n" + TEMPLATES_LINE


def cmd_init(args: argparse.Namespace) -> int:
    """Write a starter schedules.toml and a templates/ folder into DIR (default: here).

    The file is the shipped one (the 42 tasks of the Jiangmen housing bureau's table), or a
    small commented one with --minimal. templates/ holds a copy of the shipped templates:
    edit one to change what offices read; delete one to go back to the shipped version.
    Nothing that exists is overwritten.

    Example: reminder init /srv/reminder --minimal
    """
    folder = Path(args.dir)
    config, templates = folder / "schedules.toml", folder / "templates"
    taken = [str(p) for p in (config, templates) if p.exists()]
    if taken:
        raise UsageError(f"init: will not overwrite {' and '.join(taken)}; nothing was written")
    text = starter_config(args.minimal)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The messages' templates, to override; the web pages (web/) are part of the program.
        shutil.copytree(shipped("templates"), templates, ignore=shutil.ignore_patterns("web"))
        config.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"init: cannot write into {folder}: {exc.strerror or exc}") from None
    print(f"wrote {config} and {templates}/")
    print(f"next: reminder check --config {config}")
    return 0


def add_init(sub: Any, command: Any) -> None:
    """Register `init` on the main parser (it reads no config, so takes no --config)."""
    p = command(sub, "init", cmd_init, argparse.ArgumentParser(add_help=False))
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder (default: here)")
    p.add_argument("--minimal", action="store_true", help="a small commented file instead")
