"""Packaging. A plain `pip install .` works from any directory: the wheel carries the templates, the
migrations and the shipped schedules.toml, and `init`, `check`, `sync` and `tick` run from a
folder that is not the checkout, in a fresh virtual environment. The lock file pins what the tests ran with."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_venv_runs_init_check_sync_and_tick(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REMINDER_", "VIRTUAL_ENV"))}
    env |= {"HOME": str(tmp_path), "REMINDER_CACHE_DIR": "", "PYTHONDONTWRITEBYTECODE": "1"}
    dist = tmp_path / "dist"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        dist,
        ROOT,
        cwd=tmp_path,
        env=env,
    )
    (wheel,) = dist.glob("reminder-*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_ = tmp_path / "venv" / "bin"
    run(bin_ / "pip", "install", "-q", wheel, cwd=tmp_path, env=env)
    site = tmp_path / "office"
    site.mkdir()
    reminder = bin_ / "reminder"

    assert run(reminder, "init", ".", cwd=site, env=env).stdout == (
        "wrote schedules.toml and templates/\nnext: reminder check --config schedules.toml\n"
    )
    assert sorted(p.name for p in (site / "templates").iterdir()) == [
        "_html.j2",
        "_macros.j2",
        "alert",
        "email",
        "notice",  # the 督办通知单
        "report",
        "sms",
        "test",
        "wecom",
    ]
    checked = run(reminder, "check", "--now", "2026-12-01T09:00+08:00", cwd=site, env=env)
    assert checked.stdout.splitlines()[-1].startswith(
        "schedules.toml: ok: 10 offices, 3 groups, 42 deadlines"
    )
    synced = run(reminder, "sync", "--now", "2026-12-01T09:00+08:00", cwd=site, env=env)
    assert synced.stdout.startswith(f"synced schedules.toml into sqlite:///{site}/reminder.db: ")
    ticked = run(
        reminder, "tick", "--dry-run", "--now", "2027-01-29T09:00+08:00", cwd=site, env=env
    )
    assert ticked.stdout.rstrip().endswith("dry-run"), ticked.stdout
    # the installed package, not the checkout, served the templates and migrations
    where = run(
        bin_ / "python",
        "-c",
        "import reminder.shipped as s; print(s.shipped('templates'))",
        cwd=site,
        env=env,
    )
    assert "site-packages" in where.stdout
    # ... and it carries the tested pins, for an offline install from the wheel alone.
    pins = run(
        bin_ / "python",
        "-c",
        "import reminder.shipped as s; print(s.shipped('requirements.lock').read_text())",
        cwd=site,
        env=env,
    )
    assert pins.stdout.strip() == (ROOT / "requirements.lock").read_text().strip()


def test_the_lock_file_pins_every_dependency_within_its_declared_range() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for r in project["optional-dependencies"]["postgres"]]
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    outside = {
        str(r): pins.get(canonicalize_name(r.name))
        for r in declared
        if pins.get(canonicalize_name(r.name)) is None
        or not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    }
    assert outside == {}


def test_every_dependency_has_a_floor_without_known_holes_and_a_ceiling_below_its_next_major() -> (
    None
):
    import tomllib

    from packaging.requirements import Requirement
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for r in project["optional-dependencies"]["postgres"]]
    unbounded = [str(r) for r in declared if r.name != "tzdata" and "<" not in str(r.specifier)]
    assert unbounded == []
    jinja = next(r for r in declared if r.name == "jinja2")
    # 3.1.5 and earlier have sandbox escapes (CVE-2024-56326, CVE-2025-27516).
    assert not jinja.specifier.contains(Version("3.1.5"))
    assert jinja.specifier.contains(Version("3.1.6"))


def test_alembic_upgrade_head_from_the_checkout_still_works(tmp_path: Path) -> None:
    env = dict(os.environ, REMINDER_DATABASE_URL=f"sqlite:///{tmp_path / 'by-hand.db'}")
    alembic = Path(sys.executable).with_name("alembic")
    run(alembic, "upgrade", "head", cwd=ROOT, env=env)
    with sqlite3.connect(tmp_path / "by-hand.db") as db:
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == sorted(p.name[:4] for p in (ROOT / "alembic" / "versions").glob("0*.py"))[-1]
