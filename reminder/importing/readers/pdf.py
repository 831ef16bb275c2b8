"""PDF with a text layer (pdfplumber): its ruled tables, page by page; a PDF without tables
is read as text lines."""

from __future__ import annotations

from pathlib import Path

from reminder.errors import ReadError
from reminder.importing.readers import Source


def read(path: Path) -> Source:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(str(path)) as pdf:
            rows: list[list[str]] = []
            lines: list[str] = []
            for page in pdf.pages:
                for table in page.extract_tables():
                    rows += [[c or "" for c in row] for row in table]
                lines += (page.extract_text() or "").splitlines()
    except (PDFSyntaxError, PDFPasswordIncorrect, ValueError, KeyError, TypeError) as exc:
        raise ReadError(
            f"{path}: not a PDF that can be read (damaged or encrypted: {type(exc).__name__})"
        ) from None
    except Exception as exc:  # pdfminer raises many kinds on a bad file
        # pdfplumber wraps pdfminer's error (PdfminerException(PDFPasswordIncorrect())).
        inner = [exc, *(a for a in exc.args if isinstance(a, BaseException))]
        said = " ".join(f"{type(e).__name__} {e}" for e in inner).lower()
        if any(isinstance(e, PDFPasswordIncorrect) for e in inner) or "encrypt" in said:
            raise ReadError(
                f"{path}: the PDF is encrypted (password-protected): save a copy without a "
                "password, then import that"
            ) from None
        raise ReadError(
            f"{path}: not a PDF that can be read ({type(inner[-1]).__name__})"
        ) from None
    if rows:
        return Source(tables=[rows], unit="row", head=lines[:4])
    if not any(line.strip() for line in lines):
        raise ReadError(f"{path}: no text in the PDF (a scan? it needs a text layer)")
    return Source(prose=lines, unit="line")
