"""The parsed-config cache: used only for the same file, code and environment."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from reminder.config import cache as config_cache
from reminder.config import loader
from reminder.config.model import Config
from reminder.delivery.rendering import Renderer
from reminder.delivery.wording import make_item
from reminder.errors import ConfigError
from tests.conftest import BASE, SHIPPED, variant


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(config_cache.ENV_DIR, str(directory))
    return directory


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real parse, by the path it was given."""
    seen: list[str] = []
    real = loader.parse_config

    def counting(text: str, path: str = "schedules.toml", **kw: object) -> Config:
        seen.append(path)
        return real(text, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "parse_config", counting)
    return seen


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unchanged_file_is_parsed_once(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = write(tmp_path, SHIPPED.read_text(encoding="utf-8"))
    first = loader.load_config(path, environ={})
    second = loader.load_config(path, environ={})
    assert parses == [str(path)]
    assert second == first and second is not first
    assert second.warnings == first.warnings and second.warnings  # the shipped file warns
    assert dict(second.lines) == dict(first.lines)
    assert len(list(cache.iterdir())) == 1


def test_an_edited_file_is_parsed_again(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = write(tmp_path, BASE)
    loader.load_config(path, environ={})
    write(tmp_path, variant('send_time = "09:00"', 'send_time = "08:30"'))
    edited = loader.load_config(path, environ={})
    assert edited.settings.send_time.strftime("%H:%M") == "08:30"
    assert len(parses) == 2
    assert len(list(cache.iterdir())) == 1  # one entry per file, replaced


def test_a_secret_set_or_unset_changes_the_result(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    text = BASE.replace('id = "office"', 'id = "office"\nwecom = "${ROBOT_KEY}"', 1)
    path = write(tmp_path, text)
    unset = loader.load_config(path, environ={})
    assert any("ROBOT_KEY is not set" in w.message for w in unset.warnings)
    secret = "0123-secret-key"
    present = loader.load_config(path, environ={"ROBOT_KEY": secret})
    assert not any("ROBOT_KEY" in w.message for w in present.warnings)
    assert len(parses) == 2
    loader.load_config(path, environ={"ROBOT_KEY": "another"})  # only presence matters
    assert len(parses) == 2
    assert all(secret.encode() not in entry.read_bytes() for entry in cache.iterdir())


def test_a_damaged_entry_is_ignored(tmp_path: Path, cache: Path, parses: list[str]) -> None:
    path = write(tmp_path, BASE)
    loader.load_config(path, environ={})
    (entry,) = cache.iterdir()
    entry.write_bytes(entry.read_bytes()[:40] + b"not a pickle")
    assert loader.load_config(path, environ={}).settings.timezone == "Asia/Shanghai"
    assert len(parses) == 2


def test_an_unwritable_or_disabled_cache_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    path = write(tmp_path, BASE)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(config_cache.ENV_DIR, str(blocker / "cache"))  # under a file
    loader.load_config(path, environ={})
    loader.load_config(path, environ={})
    monkeypatch.setenv(config_cache.ENV_DIR, "")
    loader.load_config(path, environ={})
    assert len(parses) == 3


def test_a_bad_file_is_never_cached(tmp_path: Path, cache: Path) -> None:
    path = write(tmp_path, variant('send_time = "09:00"', 'send_time = "25:00"'))
    for _ in range(2):
        with pytest.raises(ConfigError, match="send_time"):
            loader.load_config(path, environ={})
    assert not cache.exists() or not list(cache.iterdir())


def test_the_entry_is_private(tmp_path: Path, cache: Path) -> None:
    loader.load_config(write(tmp_path, BASE), environ={})
    assert cache.stat().st_mode & 0o077 == 0
    assert os.access(cache, os.W_OK)


@pytest.mark.parametrize(
    "line",
    [
        'wecom = "literal-robot-key-0123"',
        'webhook = "https://hooks.example.gov.cn/send?token=abc"',
    ],
)
def test_a_file_with_a_secret_written_in_it_is_not_cached(
    tmp_path: Path, cache: Path, parses: list[str], line: str
) -> None:
    path = write(tmp_path, BASE.replace('id = "office"', f'id = "office"\n{line}', 1))
    config = loader.load_config(path, environ={})
    assert config.written_secrets == ("offices[0]." + line.split(" ")[0],)  # "a secret in git"
    loader.load_config(path, environ={})
    assert len(parses) == 2
    assert not cache.exists() or not list(cache.iterdir())


def test_a_database_password_in_the_file_is_not_cached(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    text = BASE.replace(
        'send_time = "09:00"', 'send_time = "09:00"\ndatabase = "postgresql+psycopg://u:pw@db/x"', 1
    )
    path = write(tmp_path, text)
    config = loader.load_config(path, environ={})
    assert [str(w) for w in config.warnings if w.field == "settings.database"] == [
        f"{path}:4: settings.database: a password written in the file is a secret in git: set "
        "the whole URL in REMINDER_DATABASE_URL instead"
    ]
    loader.load_config(path, environ={})
    assert len(parses) == 2


def test_a_cache_others_can_write_is_not_trusted(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    path = write(tmp_path, BASE)
    loader.load_config(path, environ={})
    cache.chmod(0o777)  # anyone could have put a pickle there
    loader.load_config(path, environ={})
    assert len(parses) == 2


def test_a_ca_file_removed_since_is_reported(
    tmp_path: Path, cache: Path, parses: list[str]
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not used before a connection")
    text = BASE + f'\n[email]\nhost = "127.0.0.1"\nsender = "n@example.gov.cn"\nca_file = "{ca}"\n'
    path = write(tmp_path, text)
    loader.load_config(path, environ={})
    ca.unlink()
    with pytest.raises(ConfigError, match="no such file"):
        loader.load_config(path, environ={})
    assert len(parses) == 2


def test_compiled_templates_are_kept_per_source_in_a_private_folder(
    tmp_path: Path, cache: Path
) -> None:
    """A restart does not compile unchanged templates again; an edited one is compiled anew
    (each entry holds its source's checksum), and a folder others can write is not used."""
    config = loader.parse_config(BASE, environ={})
    custom = tmp_path / "mine" / "wecom"
    custom.mkdir(parents=True)
    (custom / "markdown.j2").write_text("一：{{ item.title }}\n", encoding="utf-8")
    assert Renderer("mine", base=tmp_path).check(config) == []
    (folder,) = cache.glob("templates-*")
    compiled = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(compiled) >= 14  # every template, rendered once by check

    def markdown() -> str | None:
        office = config.offices["office"]
        item = make_item(
            config,
            config.calendar(),
            deadline_id="annual-report",
            kind="due",
            role="lead",
            due=date(2027, 1, 29),
            nominal_due=date(2027, 1, 31),
            period_key="2027",
            working_days_left=0,
            provisional_years=[],
        )
        return (
            Renderer("mine", base=tmp_path)
            .reminder("wecom", office, [item], config=config, digest=False)
            .markdown
        )

    assert markdown() == "一：发布年度报告"
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == compiled  # reused
    (custom / "markdown.j2").write_text("二：{{ item.title }}\n", encoding="utf-8")
    assert markdown() == "二：发布年度报告"
    now = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len([name for name in compiled if now[name] != compiled[name]]) == 1  # rewritten
    cache.chmod(0o777)
    assert Renderer("mine", base=tmp_path).env.bytecode_cache is None
