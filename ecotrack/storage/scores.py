"""The office's hand on the assessment (SPEC §11): adjustments, vetoes, their voiding, and the final result.
Every table here is append-only; a year's final result is recorded once (the database refuses a second)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ecotrack.results import FinalResult, StoredAdjustment
from ecotrack.storage.entries import is_accepted, local_iso
from ecotrack.storage.models import (
    AssignmentRecord,
    EntryRecord,
    FinalAssessmentRecord,
    ReviewDecisionRecord,
    ScoreAdjustmentRecord,
    ScoreVoidRecord,
    TargetRecord,
    UnitRecord,
)


def adjustments(*, session: Session, plan_id: int) -> list[StoredAdjustment]:
    """Every adjustment and veto of the plan year, oldest first, with its voiding if any."""
    rows = session.execute(
        select_columns(ScoreAdjustmentRecord, col(UnitRecord.code), ScoreVoidRecord)
        .join(UnitRecord, col(UnitRecord.id) == ScoreAdjustmentRecord.unit_id)
        .outerjoin(ScoreVoidRecord, col(ScoreVoidRecord.adjustment_id) == ScoreAdjustmentRecord.id)
        .where(col(ScoreAdjustmentRecord.plan_id) == plan_id)
        .order_by(col(ScoreAdjustmentRecord.id))
    )
    found = []
    for record, unit, void in rows:
        assert record.id is not None
        found.append(
            StoredAdjustment(
                id=record.id,
                unit=unit,
                kind=record.kind,
                points=record.points,
                item=record.item,
                basis=record.basis,
                recorded_at=local_iso(record.recorded_at),
                recorded_by=record.recorded_by,
                void_reason=void.reason if void else None,
                voided_at=local_iso(void.voided_at) if void else None,
                voided_by=void.voided_by if void else None,
            )
        )
    return found


def add_adjustment(
    *, session: Session, plan_id: int, unit: str, kind: str, points: float, item: str, basis: str, at: datetime, by: str
) -> int:
    unit_id = session.exec(select(UnitRecord.id).where(UnitRecord.plan_id == plan_id, UnitRecord.code == unit)).one()
    assert unit_id is not None
    record = ScoreAdjustmentRecord(
        plan_id=plan_id,
        unit_id=unit_id,
        kind=kind,
        points=points,
        item=item,
        basis=basis,
        recorded_at=at,
        recorded_by=by,
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    return record.id


def void_adjustment(*, session: Session, adjustment_id: int, reason: str, at: datetime, by: str) -> None:
    session.add(ScoreVoidRecord(adjustment_id=adjustment_id, reason=reason, voided_at=at, voided_by=by))
    session.flush()


def final(*, session: Session, plan_id: int) -> FinalResult | None:
    record = session.exec(select(FinalAssessmentRecord).where(FinalAssessmentRecord.plan_id == plan_id)).first()
    if record is None:
        return None
    return FinalResult(record.as_of, json.loads(record.content), local_iso(record.recorded_at), record.recorded_by)


def record_final(
    *, session: Session, plan_id: int, as_of: date, content: dict[str, Any], at: datetime, by: str
) -> None:
    session.add(
        FinalAssessmentRecord(
            plan_id=plan_id,
            as_of=as_of,
            content=json.dumps(content, ensure_ascii=False),
            recorded_at=at,
            recorded_by=by,
        )
    )
    session.flush()


def milestones_done_on(*, session: Session, plan_id: int, as_of: date) -> dict[tuple[str, str], date]:
    """Per (unit, milestone), the reported date of the earliest counted entry marking it done (value 1):
    what SPEC §11's late rule reads."""
    rows = session.execute(
        select_columns(col(UnitRecord.code), col(TargetRecord.code), func.min(EntryRecord.reported_on))
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .outerjoin(ReviewDecisionRecord, col(ReviewDecisionRecord.entry_id) == EntryRecord.id)
        .where(
            col(TargetRecord.plan_id) == plan_id,
            col(TargetRecord.type) == "milestone",
            col(EntryRecord.value) >= 1,
            col(EntryRecord.reported_on) <= as_of,
            is_accepted(),
        )
        .group_by(col(UnitRecord.code), col(TargetRecord.code))
    )
    return {(unit, target): _day(first) for unit, target, first in rows}


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
