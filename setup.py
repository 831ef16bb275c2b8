"""Packaging hook: the wheel carries the top-level `templates/` and `alembic/` folders (the
sources an administrator reads and overrides), `schedules.toml` and the tested dependency
pins (`requirements.lock`, for an offline install from the wheel alone) as `reminder/_data/`,
so that an installed `reminder` finds its templates and migrations from any directory.
Everything else about the package is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("templates", "alembic", "schedules.toml", "requirements.lock")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        for name in SHIPPED:
            dest = Path(self.build_lib) / "reminder" / "_data" / name
            if (ROOT / name).is_file():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ROOT / name, dest)
                continue
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(
                ROOT / name, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildWithData})
