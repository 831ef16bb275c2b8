"""Whole-process sides as users have them installed, for the comparisons that time a whole
process against a peer's (scenario 13).

The development environment is not what a user runs: it also holds the test tools (selenium
brings trio, which httpcore imports with the first HTTP client: 0.075 s of a `reminder tick`;
click, pygments and rich, which make httpx import its command line), and the checkout's
modules have no compiled bytecode when PYTHONDONTWRITEBYTECODE is set (each process compiles
all of them: 0.14 s), where `pip install` compiles them. So each side runs in a virtual
environment of its own holding only what `pip install` of it brings: the distributions of its
dependency closure, linked from this environment (no network), with bytecode compiled."""

from __future__ import annotations

import compileall
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def closure(name: str) -> set[str]:
    """The distributions `pip install NAME` brings (its own, no extras), by normalised name."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        dist = metadata.distribution(todo.pop())
        key = _normal(dist.metadata["Name"])
        if key in seen:
            continue
        seen.add(key)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def venv(folder: Path, name: str) -> Path:
    """A virtual environment in `folder` with NAME's closure; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    site = next((folder / "lib").glob("python3*/site-packages"))
    # The checkout: the bench's scripts, and our package as an editable install reaches it.
    (site / "checkout.pth").write_text(f"{ROOT}\n", encoding="utf-8")
    for dist_name in closure(name):
        if _normal(dist_name) == "reminder":
            compileall.compile_dir(ROOT / "reminder", quiet=1)  # as pip compiles at install
            continue
        dist = metadata.distribution(dist_name)
        base = Path(str(dist.locate_file("")))
        for top in sorted({Path(str(f)).parts[0] for f in dist.files or []}):
            # ".." holds its scripts (bin/), outside site-packages
            if top not in ("..", "__pycache__") and not (site / top).exists():
                (site / top).symlink_to(base / top)
    return folder / "bin" / "python"


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
