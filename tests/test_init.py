"""`reminder init`: a starter schedules.toml and templates/ that pass `check`; nothing is ever
overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from reminder.cli.main import main
from tests.conftest import ROOT


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMINDER_DATABASE_URL", raising=False)
    monkeypatch.delenv("REMINDER_CONFIG", raising=False)


def test_init_minimal_writes_a_small_file_that_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "site"
    assert run(capsys, "init", str(folder), "--minimal") == (
        0,
        f"wrote {folder}/schedules.toml and {folder}/templates/\n"
        f"next: reminder check --config {folder}/schedules.toml\n",
        "",
    )
    code, out, _ = run(
        capsys, "check", "--config", str(folder / "schedules.toml"), "--now", "2026-12-01T09:00"
    )
    assert code == 0
    assert out.splitlines()[-1].startswith(
        f"{folder}/schedules.toml: ok: 2 offices, 1 groups, 2 deadlines"
    )


def test_init_writes_the_shipped_file_pointed_at_a_copy_of_the_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "init", str(tmp_path))[0] == 0
    written = (tmp_path / "schedules.toml").read_text(encoding="utf-8")
    shipped = (ROOT / "schedules.toml").read_text(encoding="utf-8")
    assert written.count('templates_dir = "templates"') == 1
    assert (
        written.replace(
            written.splitlines()[written.splitlines().index("[delivery]") + 1] + "\n", "", 1
        )
        == shipped
    )
    copied = sorted(
        p.relative_to(tmp_path / "templates") for p in (tmp_path / "templates").rglob("*.j2")
    )
    assert copied == sorted(
        p.relative_to(ROOT / "templates") for p in (ROOT / "templates").rglob("*.j2")
    )
    code, out, _ = run(
        capsys, "check", "--config", str(tmp_path / "schedules.toml"), "--now", "2026-12-01T09:00"
    )
    assert code == 0 and "ok: 10 offices, 3 groups, 42 deadlines" in out.splitlines()[-1]


def test_a_template_deleted_from_the_copy_falls_back_to_the_shipped_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "init", str(tmp_path), "--minimal")
    (tmp_path / "templates" / "wecom" / "markdown.j2").unlink()
    code, _, _ = run(capsys, "check", "--config", str(tmp_path / "schedules.toml"))
    assert code == 0


def test_init_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "templates").mkdir()
    assert run(capsys, "init", str(tmp_path)) == (
        2,
        "",
        f"reminder: init: will not overwrite {tmp_path}/templates; nothing was written\n",
    )
    assert not (tmp_path / "schedules.toml").exists()
    assert list((tmp_path / "templates").iterdir()) == []


def test_init_into_a_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("")
    code, out, err = run(capsys, "init", str(tmp_path / "taken"))
    assert (code, out) == (2, "")
    assert err.startswith(f"reminder: init: cannot write into {tmp_path}/taken: ")
