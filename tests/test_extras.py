"""The install sized to the job (issue 21): the core commands need no optional library, the
command line loads none at start, and a command whose extra is missing says which to install
in one line, exit 2."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from reminder.cli.extras import EXTRAS, extra_of
from reminder.cli.main import build_parser
from tests.conftest import ROOT

OPTIONAL = {
    "fastapi",
    "starlette",
    "uvicorn",
    "docx",
    "pdfplumber",
    "openpyxl",
    "icalendar",
    "pypinyin",
    "prometheus_client",
}
# Core, but --help needs none of them either: that is what keeps it fast.
HEAVY = {"sqlalchemy", "alembic", "apscheduler", "jinja2", "httpx", "chinese_calendar"}


def test_the_command_line_imports_no_optional_library_at_start() -> None:
    found = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import reminder.cli.main"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    names = {line.rpartition("|")[2].strip() for line in found.splitlines() if "|" in line}
    assert "reminder.cli.main" in names
    roots = {name.partition(".")[0] for name in names}
    assert roots & OPTIONAL == set()
    assert roots & HEAVY == set()


def test_every_command_has_its_help() -> None:
    commands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    assert {"check", "run", "serve", "import", "ics", "report"} <= set(commands)
    for parser in commands.values():
        assert parser.format_help().startswith("usage: reminder ")


BLOCKED = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == {module!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Block())
from reminder.cli.main import main
sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize(
    ("module", "argv", "line"),
    [
        (
            "fastapi",
            ["serve", "--listen", "127.0.0.1:8080"],
            "serve needs fastapi, from the web extra: pip install 'reminder[web]'",
        ),
        (
            "docx",
            ["import", "分工方案.docx"],
            "import needs docx, from the import extra: pip install 'reminder[import]'",
        ),
        (
            "icalendar",
            ["ics", "-o", "office.ics"],
            "ics needs icalendar, from the web extra: pip install 'reminder[web]'",
        ),
        (
            "openpyxl",
            ["report", "--month", "2027-01", "--format", "xlsx", "-o", "r.xlsx"],
            "report --format xlsx needs openpyxl, from the web extra: pip install 'reminder[web]'",
        ),
        (
            "docx",
            ["report", "--month", "2027-01", "--format", "docx", "-o", "r.docx"],
            "report --format docx needs docx, from the web extra: pip install 'reminder[web]'",
        ),
    ],
)
def test_a_command_without_its_extra_says_what_to_install(
    tmp_path: Path, module: str, argv: list[str], line: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED.format(module=module, argv=argv)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"reminder: {line}\n")
    assert not list(tmp_path.iterdir())


def test_an_unforeseen_import_of_an_optional_library_names_its_extra() -> None:
    assert extra_of(ModuleNotFoundError(name="pypinyin.core")) == ("pypinyin", "import")
    assert extra_of(ModuleNotFoundError(name="prometheus_client")) == ("prometheus_client", "web")
    assert extra_of(ModuleNotFoundError(name="reminder.nothing")) is None


def _name(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_name(re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0]) for r in requirements}


def test_the_extras_are_the_ones_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    distributions = packages_distributions()
    for extra, modules in EXTRAS.items():
        wanted = {_name(d) for m in modules for d in distributions[m]}
        assert _names(extras[extra]) == wanted, extra
    assert _names(project["dependencies"]) & _names(extras["web"] + extras["import"]) == set()
    assert set(extras["all"]) == {"reminder[web,import]"}
    assert "reminder[all]" in extras["test"]
