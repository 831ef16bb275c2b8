"""The templates' start-up check is made once for the same templates, file and code: a `tick`
from cron each minute does not render every template with sample data each minute."""

from __future__ import annotations

from pathlib import Path

import pytest

from reminder.app import runtime
from reminder.config import cache as config_cache
from reminder.config.loader import load_config
from reminder.delivery.rendering import Renderer
from reminder.errors import ConfigError
from tests.conftest import SHIPPED


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Every real check made, by config path; a private cache folder for this test."""
    monkeypatch.setenv(config_cache.ENV_DIR, str(tmp_path / "cache"))
    seen: list[str] = []
    real = Renderer.check

    def counting(self: Renderer, config: object) -> object:
        seen.append(str(getattr(config, "path", "")))
        return real(self, config)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "check", counting)
    return seen


def _file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "schedules.toml"
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "[delivery]", '[delivery]\ntemplates_dir = "mine"', 1
    )
    path.write_text(text + extra, encoding="utf-8")
    (tmp_path / "mine" / "wecom").mkdir(parents=True, exist_ok=True)
    return path


def test_a_passed_check_is_not_made_again(tmp_path: Path, checks: list[str]) -> None:
    path = _file(tmp_path)
    runtime.checked_renderer(load_config(path, environ={}))
    runtime.checked_renderer(load_config(path, environ={}))
    assert len(checks) == 1


def test_an_edit_of_the_file_or_a_template_checks_again(tmp_path: Path, checks: list[str]) -> None:
    path = _file(tmp_path)
    runtime.checked_renderer(load_config(path, environ={}))
    _file(tmp_path, "\n# an edit\n")
    runtime.checked_renderer(load_config(path, environ={}))
    assert len(checks) == 2
    mine = tmp_path / "mine" / "wecom" / "text.j2"
    mine.write_text("{{ office.name }}：{{ items | length }} 项\n", encoding="utf-8")
    runtime.checked_renderer(load_config(path, environ={}))
    assert len(checks) == 3
    mine.write_text("{{ office.name }}：{{ 1 // 0 }}\n", encoding="utf-8")
    for _ in range(2):  # a failed check is never taken as passed
        with pytest.raises(ConfigError, match=r"text\.j2:1: template: ZeroDivisionError"):
            runtime.checked_renderer(load_config(path, environ={}))
    assert len(checks) == 5


def test_without_the_cache_every_start_checks(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config_cache.ENV_DIR, "")
    path = _file(tmp_path)
    for _ in range(2):
        runtime.checked_renderer(load_config(path, environ={}))
    assert len(checks) == 2
