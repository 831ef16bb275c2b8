"""The stylesheet read as a reader's eyes would: every colour of text on the background it
sits on has a WCAG contrast of at least 4.5:1; only long text may break anywhere (never a
date, a badge or a navigation link); the templates give headers a scope and a skip link."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "web"
CSS = (TEMPLATES / "site.css").read_text(encoding="utf-8")
PAGE = "#f6f7f9"  # the body's background; cards and tables are white
CARD = "#ffffff"


def rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    """Each innermost rule: its selectors and declarations (an @media block's rules too)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(
            (k.strip(), v.strip())
            for k, _, v in (d.partition(":") for d in body.split(";") if ":" in d)
        )
        out.append(([s.strip() for s in selectors.split(",")], decls))
    return out


def hex_of(value: str) -> str | None:
    m = re.search(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", value)
    if not m:
        return None
    h = m.group(1)
    return "#" + ("".join(c * 2 for c in h) if len(h) == 3 else h).lower()


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colours() -> tuple[dict[str, str], dict[str, str]]:
    """Text colour and background by selector, as the stylesheet sets them."""
    text: dict[str, str] = {}
    ground: dict[str, str] = {}
    for selectors, decls in rules(CSS):
        fg = hex_of(decls.get("color", ""))
        bg = hex_of(decls.get("background", "") or decls.get("background-color", ""))
        for s in selectors:
            if fg:
                text[s] = fg
            if bg:
                ground[s] = bg
    return text, ground


def pairs() -> list[tuple[str, str, str]]:
    """(selector, text, background) for every rule that sets either: a background's text is
    its own colour or the one its base selector (`.light` for `.light.red`, `.top` for
    `.top a`) or the body sets; a colour without a background is read on the page and on a
    card, and on its base's background when that has one."""
    text, ground = colours()
    body = text["body"]

    def base_of(s: str, table: dict[str, str]) -> str | None:
        for cut in (s.rsplit(" ", 1)[0], re.sub(r"\.[\w-]+$", "", s)):
            if cut != s and cut in table:
                return table[cut]
        return None

    out = []
    for s, bg in ground.items():
        out.append((s, text.get(s) or base_of(s, text) or body, bg))
    for s, fg in text.items():
        if s in ground or any(g.startswith(s + ".") for g in ground):
            continue  # read on its own background, or on each variant's (.light.red ...)
        base = base_of(s, ground)
        out += [(s, fg, base)] if base else [(s, fg, PAGE), (s, fg, CARD)]
    return out


def test_every_text_colour_has_a_contrast_of_at_least_4_5_to_1() -> None:
    found = pairs()
    assert len(found) > 30  # the parse found the stylesheet's colours
    low = [
        f"{s}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"
        for s, fg, bg in found
        if contrast(fg, bg) < 4.5
    ]
    assert low == []


def test_the_contrast_formula_matches_wcag() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54
    assert round(contrast("#ffffff", "#b7791f"), 1) < 4.5  # the old yellow badge


def test_only_long_text_breaks_anywhere() -> None:
    for selectors, decls in rules(CSS):
        if decls.get("overflow-wrap") == "anywhere":
            assert not {"body", "main", "td", "table", ".light", "nav", "nav a"} & set(selectors)
    nowrap = {s for sel, d in rules(CSS) if d.get("white-space") == "nowrap" for s in sel}
    assert {".light", "nav a", ".nowrap"} <= nowrap


def test_tables_scope_their_headers_and_every_page_has_a_skip_link() -> None:
    for page in TEMPLATES.glob("*.html"):
        assert "<th>" not in page.read_text(encoding="utf-8"), page.name
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert '<a class="skip" href="#main">跳到正文</a>' in base and '<main id="main"' in base
