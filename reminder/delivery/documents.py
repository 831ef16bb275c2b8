"""Documents in 公文 layout, as DOCX (python-docx, imported when one is made): A4, the
title in 方正小标宋简体 (黑体 where it is not installed), the number centred under it, the
addressee (主送), the body in 仿宋_GB2312 三号 (16 pt) with 黑体 headings (一、二、三、), the
落款 and date on the right. The words come from the templates; this module only lays them out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from reminder.config.model import Config

TITLE_FONT, TITLE_FALLBACK = "方正小标宋简体", "黑体"
BODY_FONT, HEADING_FONT = "仿宋_GB2312", "黑体"
HEADINGS = ("一、", "二、", "三、", "四、", "五、", "六、")


@dataclass(frozen=True, kw_only=True, slots=True)
class Official:
    """What a 公文 says, in the order it is laid out."""

    title: str
    number: str  # the 文号; "" for none
    to: str  # 主送, with its colon
    body: Sequence[str]  # one paragraph each
    signature: str
    dated: str  # "2027年2月3日"


def docx_bytes(doc: Official) -> bytes:
    """The document as a .docx file."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    out = Document()
    section = out.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _font(out.styles["Normal"], BODY_FONT, Pt(16))
    title = out.paragraphs[0] if out.paragraphs else out.add_paragraph()
    _run(title, doc.title, TITLE_FONT, Pt(22))
    _alternate(out, TITLE_FONT, TITLE_FALLBACK)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.number:
        number = out.add_paragraph()
        _run(number, doc.number, BODY_FONT, Pt(16))
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(out.add_paragraph(), doc.to, BODY_FONT, Pt(16))
    for line in doc.body:
        p = out.add_paragraph()
        heading = line.startswith(HEADINGS)
        _run(p, line, HEADING_FONT if heading else BODY_FONT, Pt(16))
        p.paragraph_format.first_line_indent = Pt(32)
    for line in (doc.signature, doc.dated):
        if line:
            p = out.add_paragraph()
            _run(p, line, BODY_FONT, Pt(16))
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _alternate(document: Any, font: str, alternate: str) -> None:
    """Declare `alternate` as the font Word uses where `font` is not installed (the font
    table's altName): the title stays 方正小标宋简体 where it is, 黑体 elsewhere."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml.ns import qn
    from lxml import etree

    part = document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE)
    table = etree.fromstring(part.blob)
    entry = etree.SubElement(table, qn("w:font"), {qn("w:name"): font})
    etree.SubElement(entry, qn("w:altName"), {qn("w:val"): alternate})
    etree.SubElement(entry, qn("w:charset"), {qn("w:val"): "86"})  # GB2312
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _font(style: Any, name: str, size: Any) -> None:
    style.font.name, style.font.size = name, size
    _east_asia(style.element, name)


def _run(paragraph: Any, text: str, font: str, size: Any) -> None:
    """A run in `font`, for Latin and Chinese glyphs alike (Word picks Chinese glyphs by the
    east-asian font, set apart)."""
    run = paragraph.add_run(text)
    run.font.name, run.font.size = font, size
    _east_asia(run._element, font)


def _east_asia(element: Any, name: str) -> None:
    from docx.oxml.ns import qn

    props = element.get_or_add_rPr()
    fonts = props.find(qn("w:rFonts"))
    if fonts is None:
        fonts = props.makeelement(qn("w:rFonts"), {})
        props.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def sample_circular(config: Config) -> SimpleNamespace:
    """A 通报 with one item of each light, for rendering the report templates in `check`."""
    d = config.deadlines[0]
    office = config.offices[config.expand(d.lead)[0]]
    item = {
        "deadline": d.id,
        "task": d.task,
        "title": d.title,
        "period": "2026-12",
        "office": office.id,
        "office_name": office.name,
        "due": date(2026, 12, 31),
        "days": 23,
        "open": True,
        "carried": True,
        "explanation": "材料待补",
        "planned": date(2027, 2, 10),
        "light": "red",
    }
    late = {**item, "open": False, "carried": False, "days": 2, "light": "yellow"}
    total = {"due": 3, "on_time": 1, "late": 1, "overdue": 1, "carried": 1, "extended": 1}
    ranked = {"place": 1, "name": office.name, "due": 3, "on_time": 1, "rate": 33.3}
    span = {"first": date(2027, 1, 1), "last": date(2027, 1, 31), "name": "2027年1月"}
    return SimpleNamespace(
        span=SimpleNamespace(**span),
        key="2027-01",
        number="通报〔2027〕1号",
        dated=date(2027, 2, 3),
        total=SimpleNamespace(**total),
        rate=33.3,
        items=[SimpleNamespace(**item), SimpleNamespace(**late)],
        red=[SimpleNamespace(**item)],
        ranking=[SimpleNamespace(**ranked)],
        routine=[SimpleNamespace(name=office.name, done=2, of=4)],
        appendix=[],
        signature=config.settings.signature,
        contact=config.settings.contact,
    )
