"""What a reminder says of a 延期 or a 情况说明 (see app.extensions): an approved 延期 moves the
item's due date and says so in every message about it; a refused one is told to the office that
asked, in its next message about the occurrence (until one has gone to it since the refusal);
the lead office's latest 情况说明 (its reason and planned date) is shown to those it goes up
to, the 督办 office and the 分管领导, beside the item in each escalation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from reminder import labels
from reminder.delivery.rendering import markdown_text
from reminder.store import submissions
from reminder.store.models import OutboxRow, SubmissionRow
from reminder.vocabulary import SubmissionStatus

ANSWER_LIMIT = 200  # characters of an administrator's reason shown in a message


@dataclass(frozen=True, slots=True)
class Outcome:
    """One occurrence's 延期 and 情况说明 as one office reads it."""

    due: date | None  # the due date an approved 延期 moved it to
    lines: tuple[str, ...]  # said beside the due date


def _answer(text: str | None) -> str | None:
    """An administrator's reason as one short, inert line (no markup, no line breaks)."""
    if not text:
        return None
    flat = " ".join(text.split())
    if len(flat) > ANSWER_LIMIT:
        flat = flat[: ANSWER_LIMIT - 1] + "…"
    return markdown_text(flat)


def outcomes(s: Session, rows: Iterable[OutboxRow]) -> dict[tuple[int, str], Outcome]:
    """By occurrence and office, what `rows`' messages say of a decided 延期 or, going up as
    an escalation, of a 情况说明 (most say none)."""
    rows = [r for r in rows if r.kind != "alert"]
    wanted = {(r.occurrence_id, r.office_id) for r in rows}
    decided = submissions.decided_extensions(s, {occ for occ, _ in wanted})
    up = {(r.occurrence_id, r.office_id) for r in rows if r.kind == "escalation"}
    explained = submissions.latest_explanations(s, {occ for occ, _ in up}) if up else {}
    if not decided and not explained:
        return {}
    out: dict[tuple[int, str], Outcome] = {}
    for occ, office in wanted:
        mine = [d for d in decided if d.occurrence_id == occ]
        approved = [d for d in mine if d.status == SubmissionStatus.APPROVED]
        last = approved[-1] if approved else None
        lines = [labels.extension_outcome(True, last.until, None)] if last else []
        refused = [
            d for d in mine if d.status == SubmissionStatus.REFUSED and d.office_id == office
        ]
        if refused and _untold(s, refused[-1], last):
            lines.append(
                labels.extension_outcome(False, refused[-1].until, _answer(refused[-1].answer))
            )
        said = explained.get(occ) if (occ, office) in up else None
        if said is not None:
            lines.append(labels.explanation_given(said.until, _answer(said.reason) or ""))
        if lines:
            out[(occ, office)] = Outcome(last.until if last else None, tuple(lines))
    return out


def _untold(s: Session, refusal: SubmissionRow, approval: SubmissionRow | None) -> bool:
    """A refusal not overtaken by a later approval, and no message since to the office."""
    at = refusal.decided_at or refusal.created_at
    if approval is not None and (approval.decided_at or approval.created_at) > at:
        return False
    return not submissions.told_since(s, refusal.occurrence_id, refusal.office_id, at)
