"""`reminder import` through the app: a bureau's task table read into schedules.toml text to
review (reminder.importing does the reading; it touches no database). The readers' libraries
(the import extra) are loaded when a table is read, not when this module is imported, so the
command line can name the formats at start."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reminder.importing import FORMATS

if TYPE_CHECKING:
    from datetime import date

    from reminder.config.model import Config
    from reminder.importing.table import Imported, Updated

__all__ = ["FORMATS", "import_table", "update_table"]


def import_table(
    path: Path, *, fmt: str | None = None, config: Config | None = None, sheet: str | None = None
) -> Imported:
    """The tasks of the table at `path` (its format by `fmt`, else by suffix; `sheet` for a
    workbook) as [[deadlines]] text with the offices and groups `config` lacks, and a summary;
    ReadError when it is not a task table."""
    from reminder.importing.table import import_table as read_table

    return read_table(path, fmt=fmt, config=config, sheet=sheet)


def update_table(
    path: Path,
    running: Path,
    *,
    fmt: str | None = None,
    sheet: str | None = None,
    end: date | None = None,
) -> Updated:
    """Next year's table at `path` as an update of the running schedules file `running`: the
    complete new file's text (nothing is written here) and a summary of what is unchanged,
    changed, new and gone."""
    from reminder.config.loader import load_config
    from reminder.importing.table import update_table as update

    config = load_config(running)
    text = running.read_text(encoding="utf-8")
    return update(path, config=config, running=text, fmt=fmt, sheet=sheet, end=end)
