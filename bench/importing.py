"""Scenario 11: `reminder import` of a 500-row table (Word and Excel, the shipped table's
columns and wording, the shipped offices to match against). The floor: the same file opened
and walked by its library alone (python-docx, openpyxl). Target (issue 16): under 2 s."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Result, best_of
from reminder.config.loader import load_config
from reminder.importing.table import import_table
from reminder.shipped import shipped

HEADER = ["工作要求", "工作任务", "具体要求", "责任科室(单位)", "完成时限"]
LIMITS = ["及时更新", "每年1月31日前", "每年2月底前", "定期召开", "长期开展", "每季度"]
WHO = ["办公室牵头，各科室（单位）配合", "法规信访科牵头，各科室配合", "办公室、法规信访科、人事科"]
TARGET_S = 2.0


def rows(n: int) -> list[list[str]]:
    out = [HEADER]
    for i in range(1, n + 1):
        out.append(
            [
                f"{'一二三四五'[i % 5]}、第{i % 5 + 1}类工作",
                f"（{'一二三'[i % 3]}）第{i % 3 + 1}项任务",
                f"{i}.按照要求做好第{i}项政务公开工作，及时发布相关信息，接受社会监督。",
                WHO[i % len(WHO)],
                LIMITS[i % len(LIMITS)],
            ]
        )
    return out


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows(n):
        sheet.append(row)
    book.save(str(path))


def write_docx(path: Path, n: int) -> None:
    import docx

    document = docx.Document()
    data = rows(n)
    table = document.add_table(rows=len(data), cols=len(HEADER))
    for r, row in enumerate(data):
        cells = table.rows[r].cells
        for c, text in enumerate(row):
            cells[c].text = text
    document.save(str(path))


def _walk_xlsx(path: Path) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(str(path), data_only=True).worksheets[0]
    return sum(1 for _ in sheet.iter_rows(values_only=True))


def _walk_docx(path: Path) -> int:
    import docx

    return sum(len(r.cells) for t in docx.Document(str(path)).tables for r in t.rows)


def run(n: int = 500) -> list[Result]:
    config = load_config(shipped("schedules.toml"), environ={})
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, write, walk in (
            ("xlsx", write_xlsx, _walk_xlsx),
            ("docx", write_docx, _walk_docx),
        ):
            path = Path(tmp) / f"table.{fmt}"
            write(path, n)
            found = import_table(path, config=config)
            assert found.tasks == n, found.summary()
            ours = best_of(3, lambda p=path: import_table(p, config=config))
            floor = best_of(3, lambda p=path, w=walk: w(p))
            results.append(
                Result(
                    scenario=f"11 import a {fmt} table",
                    size=f"{n} rows",
                    ours=ours,
                    peer=floor,
                    peer_name=f"{fmt} read alone",
                    unit="s",
                    target=f"< {TARGET_S:g} s",
                    ok=ours < TARGET_S,
                )
            )
    return results
