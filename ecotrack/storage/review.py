"""The office's review decisions on entries and its locks of periods (SPEC §9), both append-only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ecotrack.rules import LockEvent, ReviewState, review_state
from ecotrack.storage.entries import local_time
from ecotrack.storage.models import (
    AssignmentRecord,
    EntryRecord,
    PeriodLockRecord,
    ReviewDecisionRecord,
    TargetRecord,
    UnitRecord,
)


@dataclass(frozen=True)
class EntryState:
    """Where an entry of the plan year stands in review, and the decision on it if one was made."""

    id: int
    unit: str
    period: str
    state: ReviewState
    decided_by: str | None
    decided_at: datetime | None  # naive local time


def entry_states(
    *,
    session: Session,
    plan_id: int,
    ids: Iterable[int] | None = None,
    unit: str | None = None,
    period: str | None = None,
) -> dict[int, EntryState]:
    """The review state of entries of the plan year: those with `ids`, or every one (of a unit, a period)."""
    query = (
        select_columns(
            col(EntryRecord.id),
            col(UnitRecord.code),
            col(EntryRecord.period),
            col(EntryRecord.submitted),
            col(ReviewDecisionRecord.decision),
            col(ReviewDecisionRecord.decided_by),
            col(ReviewDecisionRecord.decided_at),
        )
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .outerjoin(ReviewDecisionRecord, col(ReviewDecisionRecord.entry_id) == EntryRecord.id)
        .where(col(TargetRecord.plan_id) == plan_id)
        .order_by(col(EntryRecord.id))
    )
    if ids is not None:
        query = query.where(col(EntryRecord.id).in_(list(ids)))
    if unit is not None:
        query = query.where(col(UnitRecord.code) == unit)
    if period is not None:
        query = query.where(col(EntryRecord.period) == period)
    return {
        entry_id: EntryState(
            id=entry_id,
            unit=unit_code,
            period=entry_period,
            state=review_state(bool(submitted), decision),
            decided_by=decided_by,
            decided_at=local_time(decided_at) if decided_at is not None else None,
        )
        for entry_id, unit_code, entry_period, submitted, decision, decided_by, decided_at in session.execute(query)
    }


def record_decisions(
    *, session: Session, entry_ids: Iterable[int], decision: str, reason: str, decided_by: str, decided_at: datetime
) -> None:
    """Record one decision per entry; the database refuses a second decision on any of them."""
    for entry_id in entry_ids:
        session.add(
            ReviewDecisionRecord(
                entry_id=entry_id, decision=decision, reason=reason, decided_by=decided_by, decided_at=decided_at
            )
        )
    session.flush()


def lock_events(*, session: Session, plan_id: int) -> dict[str, list[LockEvent]]:
    """Every lock and unlock of the plan year's periods, by period, oldest first, in local time."""
    events: dict[str, list[LockEvent]] = {}
    for record in session.exec(
        select(PeriodLockRecord).where(PeriodLockRecord.plan_id == plan_id).order_by(col(PeriodLockRecord.id))
    ):
        events.setdefault(record.period, []).append(
            LockEvent(locked=record.locked, at=local_time(record.at), by=record.by, reason=record.reason)
        )
    return events


def record_lock(
    *, session: Session, plan_id: int, period: str, locked: bool, reason: str, by: str, at: datetime
) -> None:
    session.add(PeriodLockRecord(plan_id=plan_id, period=period, locked=locked, reason=reason, at=at, by=by))
    session.flush()
