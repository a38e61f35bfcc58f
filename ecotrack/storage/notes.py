"""Supporting units' monthly notes (配合单位, SPEC §17, §18): filing them, the note ledger the rules read, and the
notes as `history`, `status --unit` and the pack show them. The table is append-only; a later note for the same
unit, target and period is shown instead of an earlier one (the later reported date, then the later filed), and
a month counts as noted from the earliest reported date among its notes, as a report is filed on its first entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from ecotrack.filing import NewNote
from ecotrack.plan import month_of
from ecotrack.results import SupportNote
from ecotrack.rules import NoteLedger, is_backdated
from ecotrack.storage.entries import local_iso, local_time
from ecotrack.storage.models import SupportNoteRecord


def note_ledger(*, session: Session, plan_id: int, as_of: date | None) -> NoteLedger:
    """For each supporting unit, target and month, the earliest reported date of its notes counted as of a date
    (reported on or before it; every note with None)."""
    query = (
        select_columns(
            col(SupportNoteRecord.unit),
            col(SupportNoteRecord.target),
            col(SupportNoteRecord.period),
            func.min(SupportNoteRecord.reported_on),
        )
        .where(col(SupportNoteRecord.plan_id) == plan_id)
        .group_by(col(SupportNoteRecord.unit), col(SupportNoteRecord.target), col(SupportNoteRecord.period))
    )
    if as_of is not None:
        query = query.where(col(SupportNoteRecord.reported_on) <= as_of)
    found: dict[tuple[str, str], dict[int, date]] = {}
    for unit, target, period, first_on in session.execute(query):
        day = first_on if isinstance(first_on, date) else date.fromisoformat(first_on)  # SQLite: text
        found.setdefault((unit, target), {})[month_of(period)] = day
    return found


def notes(
    *,
    session: Session,
    plan_id: int,
    unit: str | None = None,
    target: str | None = None,
    targets: Sequence[str] | None = None,
) -> list[SupportNote]:
    """The notes of a plan year, oldest filing first: of one supporting unit, or on one target, or (for a lead
    unit's view, `unit` and `targets` together) the unit's own notes and those on the targets it leads."""
    query = select_columns(SupportNoteRecord).where(col(SupportNoteRecord.plan_id) == plan_id)
    if unit is not None and targets is not None:
        query = query.where(or_(col(SupportNoteRecord.unit) == unit, col(SupportNoteRecord.target).in_(targets)))
    elif unit is not None:
        query = query.where(col(SupportNoteRecord.unit) == unit)
    if target is not None:
        query = query.where(col(SupportNoteRecord.target) == target)
    records = list(session.execute(query.order_by(col(SupportNoteRecord.id))).scalars())
    shown: dict[tuple[str, str, str], tuple[date, int]] = {}  # the note shown for each unit, target and period
    for record in records:
        assert record.id is not None
        key, rank = (record.unit, record.target, record.period), (record.reported_on, record.id)
        if key not in shown or rank >= shown[key]:
            shown[key] = rank
    found = []
    for record in records:
        assert record.id is not None
        found.append(
            SupportNote(
                id=record.id,
                unit=record.unit,
                target=record.target,
                period=record.period,
                text=record.text,
                reported_by=record.reported_by,
                reported_at=record.reported_at.isoformat(timespec="seconds"),
                superseded=shown[(record.unit, record.target, record.period)][1] != record.id,
                filed_at=local_iso(record.filed_at),
                filed_by=record.filed_by,
                batch=record.batch_id,
                backdated=is_backdated(record.reported_at.date(), local_time(record.filed_at).date()),
                reason=record.reason,
                catch_up=record.catch_up,
            )
        )
    return found


def unchanged_notes(*, session: Session, plan_id: int, new: Sequence[NewNote]) -> set[int]:
    """The indexes of the notes of an import that leave what is shown as it is: folded onto the notes on record
    for the same unit, target and period (a later reported date is shown instead, of equal ones the later
    filed), they change neither the text shown nor the first reported date. Judged per period, as entries are,
    so that importing a file again files none of its notes twice."""
    if not new:
        return set()
    states: dict[tuple[str, str, str], tuple[str, date, date]] = {}  # text shown, its date, the first date
    for note in notes(session=session, plan_id=plan_id):
        key, day = (note.unit, note.target, note.period), date.fromisoformat(note.reported_at[:10])
        text, on, first = states.get(key, (note.text, day, day))
        states[key] = (text if note.superseded else note.text, on if note.superseded else day, min(first, day))
    on_record = dict(states)
    rows: dict[tuple[str, str, str], list[int]] = {}
    for index, filing in enumerate(new):
        key, day = (filing.unit, filing.target, filing.period), filing.reported_at.date()
        if key not in on_record:
            continue
        text, on, first = states[key]
        states[key] = (filing.text, day, min(first, day)) if day >= on else (text, on, min(first, day))
        rows.setdefault(key, []).append(index)
    unchanged: set[int] = set()
    for key, indexes in rows.items():
        (text, _, first), (text_before, _, first_before) = states[key], on_record[key]
        if (text, first) == (text_before, first_before):
            unchanged.update(indexes)
    return unchanged


def add_notes(
    *,
    session: Session,
    plan_id: int,
    notes: Sequence[NewNote],
    filed_by: str,
    filed_at: datetime,
    batch_id: int | None = None,
    catch_up_periods: frozenset[str] = frozenset(),
) -> list[int]:
    """Append notes in the order given; give back their ids."""
    records = [
        SupportNoteRecord(
            plan_id=plan_id,
            unit=note.unit,
            target=note.target,
            period=note.period,
            text=note.text,
            reported_by=note.reported_by,
            reported_at=note.reported_at,
            reported_on=note.reported_at.date(),
            filed_at=filed_at,
            filed_by=filed_by,
            batch_id=batch_id,
            reason=note.reason,
            catch_up=note.period in catch_up_periods,
        )
        for note in notes
    ]
    session.add_all(records)
    session.flush()
    return [record.id for record in records if record.id is not None]
