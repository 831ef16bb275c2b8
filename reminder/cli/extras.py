"""The optional libraries: which extra of pyproject.toml brings each, and the one line a
command prints, exit 2, when its extra is not installed. A command imports its libraries
when it runs, so `reminder --help` and the core commands need none of them."""

from __future__ import annotations

import importlib.util

from reminder.errors import MissingExtra

# The import name of each library an extra installs (pyproject.toml's optional-dependencies).
EXTRAS = {
    "web": (
        "fastapi",
        "uvicorn",
        "python_multipart",
        "openpyxl",
        "icalendar",
        "prometheus_client",
        "docx",
    ),
    "import": ("docx", "pdfplumber", "openpyxl", "pypinyin"),
}


def missing_line(command: str, module: str, extra: str) -> str:
    return f"{command} needs {module}, from the {extra} extra: pip install 'reminder[{extra}]'"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a finder that refuses the name, as the tests install
        return False


def require(command: str, extra: str, *modules: str) -> None:
    """Raise MissingExtra naming the first of `modules` (default: the whole extra) that is not
    installed; found, nothing is imported yet."""
    for module in modules or EXTRAS[extra]:
        if not _installed(module):
            raise MissingExtra(missing_line(command, module, extra))


def extra_of(error: ModuleNotFoundError) -> tuple[str, str] | None:
    """(module, extra) when `error` is an optional library missing, else None: the net under
    `require` for an import it did not foresee."""
    module = (error.name or "").partition(".")[0]
    for extra, modules in EXTRAS.items():
        if module in modules:
            return module, extra
    return None
