"""The package's layers: every module imports, imports run one way only, SQL stays in store/.

Layers, top to bottom: cli > web > app > delivery > store > planning > importing > config >
labels > calendar > the base modules (errors, clock, vocabulary, shipped). A module may import its own layer and the ones
below it, never one above: a constant a lower module wants belongs lower. Inside planning/ the
imports form no circle, not even for type hints: the types its modules share are in
`planning.model`, which imports no other planning module.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reminder"
LAYERS = (
    "base",
    "calendar",
    "labels",  # the Chinese words of every value, due rules included
    "config",
    "importing",
    "planning",
    "store",
    "delivery",
    "app",
    "web",
    "cli",
    "main",
)
SQL_WORDS = {"select", "update", "insert", "delete", "text", "func", "and_", "or_", "case"}
PURE = {"calendar", "config", "importing", "planning"}  # no database, no network, no scheduler
IMPURE_PACKAGES = ("sqlalchemy", "httpx", "apscheduler", "smtplib")


def modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_data" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def layer(module: str) -> str:
    """`reminder.delivery.channels.wecom` is in delivery; `reminder.errors` is a base module."""
    parts = module.split(".")
    if parts == ["reminder", "__main__"]:
        return "main"
    if parts == ["reminder", "labels"]:
        return "labels"
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "base"


def source(module: str) -> Path:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def imports(module: str) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import, at top level or inside a function."""
    found = []
    for node in ast.walk(ast.parse(source(module).read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [a.name for a in node.names]
            found.append((node.lineno, node.module, names))
            # `from reminder.config import cache` imports the module reminder.config.cache
            found += [(node.lineno, f"{node.module}.{n}", []) for n in names]
    return found


ALL = modules()


def test_the_package_has_every_layer_as_a_folder() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert set(LAYERS) - {"base", "labels", "main"} <= folders


@pytest.mark.parametrize("module", [m for m in ALL if m != "reminder.__main__"])
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


@pytest.mark.parametrize("module", ALL)
def test_no_module_imports_a_layer_above_its_own(module: str) -> None:
    mine = LAYERS.index(layer(module))
    upward = [
        f"{source(module).relative_to(PACKAGE.parent)}:{line}: {name} ({layer(name)})"
        for line, name, _ in imports(module)
        if name.startswith("reminder.") and name in ALL and LAYERS.index(layer(name)) > mine
    ]
    assert upward == [], f"{module} ({layer(module)}) imports upward"


# What the command line and the web may import of the package: the app (their one door), the
# config model, errors, the shared words, and small standard helpers; the web's server for the
# command that runs it. Never the store, planning, the calendar, delivery or the importer.
DOOR = ("reminder.app", "reminder.config", "reminder.errors", "reminder.vocabulary")
HELPERS = ("reminder.labels", "reminder.links", "reminder.clock", "reminder.shipped")
HELPERS += ("reminder.exports", "reminder.__version__")


@pytest.mark.parametrize("module", [m for m in ALL if layer(m) in ("cli", "web")])
def test_the_command_line_and_the_web_go_through_the_app(module: str) -> None:
    own = ("reminder.cli", "reminder.web") if layer(module) == "cli" else ("reminder.web",)
    allowed = (*DOOR, *HELPERS, *own)
    wrong = [
        f"{source(module).relative_to(PACKAGE.parent)}:{line}: {name}"
        for line, name, _ in imports(module)
        if name.startswith("reminder.")
        and not any(name == a or name.startswith(a + ".") for a in allowed)
        # `from reminder.app import pages` names reminder.app.pages, already allowed
    ]
    assert wrong == []


@pytest.mark.parametrize("module", [m for m in ALL if layer(m) != "store"])
def test_sql_is_written_only_in_the_store(module: str) -> None:
    sql = [
        f"{source(module).relative_to(PACKAGE.parent)}:{line}: {name}.{word}"
        for line, name, names in imports(module)
        if name.startswith("sqlalchemy")
        for word in names
        if word in SQL_WORDS
    ]
    assert sql == []


@pytest.mark.parametrize("module", [m for m in ALL if layer(m) in PURE])
def test_pure_layers_touch_no_database_network_or_scheduler(module: str) -> None:
    impure = [
        f"{line}: {name}" for line, name, _ in imports(module) if name.startswith(IMPURE_PACKAGES)
    ]
    assert impure == []


def test_only_the_service_module_imports_apscheduler() -> None:
    users = {m for m in ALL for _, name, _ in imports(m) if name.startswith("apscheduler")}
    assert users == {"reminder.app.service"}


def test_no_module_is_over_400_lines() -> None:
    long = {m: n for m in ALL if (n := len(source(m).read_text().splitlines())) > 400}
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for m in ALL:
        for node in ast.walk(ast.parse(source(m).read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long[f"{m}.{node.name}"] = length
    assert long == {}


PLANNING = sorted(m for m in ALL if m.startswith("reminder.planning."))


def planning_imports(module: str) -> set[str]:
    """The planning modules `module` imports, under TYPE_CHECKING or in a function too."""
    return {name for _, name, _ in imports(module) if name in PLANNING and name != module}


def circle_from(start: str, graph: dict[str, set[str]]) -> list[str]:
    """A path of imports from `start` back to itself, or [] when there is none."""
    path, seen = [start], set()

    def walk(module: str) -> bool:
        for name in sorted(graph[module]):
            if name == start:
                path.append(name)
                return True
            if name not in seen:
                seen.add(name)
                path.append(name)
                if walk(name):
                    return True
                path.pop()
        return False

    return path if walk(start) else []


def test_the_planning_modules_import_each_other_without_a_circle() -> None:
    """Even a type hint's import back (under TYPE_CHECKING) counts: the shared types live in
    `planning.model`, so no planning module needs the one that calls it."""
    graph = {m: planning_imports(m) for m in PLANNING}
    circles = [" -> ".join(c) for m in PLANNING if (c := circle_from(m, graph))]
    assert circles == []


def test_the_planning_model_imports_no_other_planning_module() -> None:
    assert planning_imports("reminder.planning.model") == set()


def test_the_circle_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circle_from("a", graph) == ["a", "b", "c", "a"]
    assert circle_from("d", graph) == []
