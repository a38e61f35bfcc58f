"""The office's review decisions on entries and its locks of periods (SPEC §9), both append-only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ecotrack.rules import LockEvent, Refile, ReviewState, review_state
from ecotrack.storage.entries import _as_date, local_time
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
    *,
    session: Session,
    entry_ids: Iterable[int],
    decision: str,
    reason: str,
    decided_by: str,
    decided_at: datetime,
    decided_on: date | None = None,
    refile_by: date | None = None,
) -> None:
    """Record one decision per entry; the database refuses a second decision on any of them."""
    for entry_id in entry_ids:
        session.add(
            ReviewDecisionRecord(
                entry_id=entry_id,
                decision=decision,
                reason=reason,
                decided_by=decided_by,
                decided_at=decided_at,
                decided_on=decided_on,
                refile_by=refile_by,
            )
        )
    session.flush()


def refiles(*, session: Session, plan_id: int) -> list[Refile]:
    """The plan year's returned entries with a deadline to refile (SPEC §16), each with the earliest reported date
    of an entry filed after it for the same assignment and period that counts (is accepted), if any."""
    from ecotrack.storage.entries import is_accepted

    later = aliased(EntryRecord)
    later_decision = aliased(ReviewDecisionRecord)
    refiled_on = (
        select_columns(func.min(later.reported_on))
        .outerjoin(later_decision, col(later_decision.entry_id) == later.id)
        .where(
            col(later.assignment_id) == col(EntryRecord.assignment_id),
            col(later.period) == col(EntryRecord.period),
            col(later.id) > col(EntryRecord.id),
            is_accepted(decision=later_decision, entry=later),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select_columns(col(EntryRecord.id), col(UnitRecord.code), col(ReviewDecisionRecord.refile_by), refiled_on)
        .join(EntryRecord, col(EntryRecord.id) == ReviewDecisionRecord.entry_id)
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .where(
            col(TargetRecord.plan_id) == plan_id,
            col(ReviewDecisionRecord.decision) == "returned",
            col(ReviewDecisionRecord.refile_by).is_not(None),
        )
        .order_by(col(EntryRecord.id))
    )
    return [
        Refile(entry_id, unit, refile_by, _as_date(on) if on is not None else None)
        for entry_id, unit, refile_by, on in rows
    ]


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
