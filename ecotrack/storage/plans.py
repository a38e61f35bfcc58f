"""Plan years in the database: loading a stored plan and syncing a plan file onto it (SPEC §6 `plan load`).

A sync never removes or retypes what has entries, or a unit a notice names: it raises `FiledDataAtRisk`
carrying what would be lost, and the tracker words the refusal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from ecotrack.plan import (
    AssessmentSettings,
    Assignment,
    Contact,
    NoticeSettings,
    Plan,
    ReviewSettings,
    Scoring,
    Target,
    TargetType,
    Task,
    Unit,
    UnitKind,
    settings_data,
    settings_from_data,
)
from ecotrack.results import SyncReport
from ecotrack.storage.models import (
    AssignmentRecord,
    EntryRecord,
    PlanRecord,
    SupportRecord,
    TargetRecord,
    TaskRecord,
    UnitRecord,
    id_of,
)


@dataclass(frozen=True)
class StoredPlan:
    """A plan year as the database holds it."""

    id: int
    plan: Plan
    source: str
    source_sha256: str
    loaded_at: datetime


# --- plan years -----------------------------------------------------------------------------------


# The stored words as the plan's types name them (the plan file allows these only).
UNIT_KINDS: dict[str, UnitKind] = {"town": "town", "subdistrict": "subdistrict", "department": "department"}
TARGET_TYPES: dict[str, TargetType] = {"quantity": "quantity", "milestone": "milestone"}


def plan_years(*, session: Session) -> list[int]:
    return list(session.exec(select(PlanRecord.year).order_by(col(PlanRecord.year))))


def _settings_json(settings: AssessmentSettings | NoticeSettings | ReviewSettings | Scoring) -> str:
    # Keyed by field name: the server's own checks read review's `required` and `lock_after_days` (checks, roles).
    return json.dumps(settings_data(settings), ensure_ascii=False)


def load_plan(*, session: Session, year: int) -> StoredPlan | None:
    """Rebuild a plan year from its tables, in plan order."""
    record = session.exec(select(PlanRecord).where(PlanRecord.year == year)).first()
    if record is None or record.id is None:
        return None
    plan_id = record.id
    units = session.exec(select(UnitRecord).where(UnitRecord.plan_id == plan_id).order_by(col(UnitRecord.position)))
    unit_codes: dict[int, str] = {}
    plan_units = []
    for unit in units:
        assert unit.id is not None
        unit_codes[unit.id] = unit.code
        plan_units.append(
            Unit(
                code=unit.code,
                name=unit.name,
                kind=UNIT_KINDS[unit.kind],
                name_en=unit.name_en,
                contact=Contact(unit.contact_name, unit.contact_phone or "") if unit.contact_name else None,
            )
        )
    assigned: dict[int, list[Assignment]] = {}
    # a city's 6,000 assignments as the driver's rows: through the ORM's loading they cost three times as much
    rows = session.connection().execute(
        select(AssignmentRecord.target_id, AssignmentRecord.unit_id, AssignmentRecord.amount)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .where(TargetRecord.plan_id == plan_id)
        .order_by(col(AssignmentRecord.position))
    )
    for target_id, unit_id, amount in rows.all():
        assigned.setdefault(target_id, []).append(Assignment(unit=unit_codes[unit_id], amount=amount))
    supported: dict[int, list[str]] = {}
    support_rows = session.exec(
        select(SupportRecord.target_id, SupportRecord.unit_id)
        .join(TargetRecord, col(TargetRecord.id) == SupportRecord.target_id)
        .where(TargetRecord.plan_id == plan_id)
        .order_by(col(SupportRecord.id))
    )
    for target_id, unit_id in support_rows:
        supported.setdefault(target_id, []).append(unit_codes[unit_id])
    targets_by_task: dict[int, list[Target]] = {}
    task_codes = {task.id: task.code for task in session.exec(select(TaskRecord).where(TaskRecord.plan_id == plan_id))}
    targets = session.exec(
        select(TargetRecord).where(TargetRecord.plan_id == plan_id).order_by(col(TargetRecord.position))
    )
    for target in targets:
        assert target.id is not None
        targets_by_task.setdefault(target.task_id, []).append(
            Target(
                code=target.code,
                title=target.title,
                title_en=target.title_en,
                task=task_codes[target.task_id],
                type=TARGET_TYPES[target.type],
                measure=target.measure,
                measure_en=target.measure_en,
                measure_en_one=target.measure_en_one,
                baseline=target.baseline,
                schedule=tuple((int(month), float(share)) for month, share in json.loads(target.schedule)),
                weight=target.weight,
                due=target.due,
                support=tuple(supported.get(target.id, [])),
                assignments=tuple(assigned.get(target.id, [])),
                scoring=settings_from_data(Scoring, json.loads(target.scoring)) if target.scoring else None,
            )
        )
    tasks = session.exec(select(TaskRecord).where(TaskRecord.plan_id == plan_id).order_by(col(TaskRecord.position)))
    plan_tasks = tuple(
        Task(
            code=task.code,
            title=task.title,
            title_en=task.title_en,
            targets=tuple(targets_by_task.get(task.id or 0, [])),
        )
        for task in tasks
    )
    plan = Plan(
        year=record.year,
        title=record.title,
        office=record.office,
        office_en=record.office_en,
        report_due_day=record.report_due_day,
        tolerance=record.tolerance,
        start_month=record.start_month,
        supporting_reports=bool(record.supporting_reports),
        units=tuple(plan_units),
        tasks=plan_tasks,
        assessment=settings_from_data(AssessmentSettings, json.loads(record.assessment)),
        notices=settings_from_data(NoticeSettings, json.loads(record.notices)),
        review=settings_from_data(ReviewSettings, json.loads(record.review or "{}")),
    )
    return StoredPlan(
        id=plan_id, plan=plan, source=record.source, source_sha256=record.source_sha256, loaded_at=record.loaded_at
    )


def _entry_counts(session: Session, plan_id: int) -> dict[int, int]:
    """Entries per assignment id of a plan year."""
    rows = session.exec(
        select(EntryRecord.assignment_id, func.count())
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .where(TargetRecord.plan_id == plan_id)
        .group_by(col(EntryRecord.assignment_id))
    )
    return dict(rows.all())


def sync_plan(*, session: Session, plan: Plan, source: str, source_sha256: str, now: datetime) -> SyncReport:
    """Load a plan year, or bring a loaded one in line with the file.

    Refuses (and changes nothing) when that would remove or retype a target or an assignment that
    has entries: those are accountability records.
    """
    record, created = _plan_record(session, plan, source, source_sha256, now)
    assert record.id is not None
    existing = _Existing.read(session, record.id)
    _refuse_dropping_entries(plan, existing, _entry_counts(session, record.id), _unit_references(session, record.id))
    counts = _Counts()
    units: dict[str, UnitRecord] = {}
    for position, unit in enumerate(plan.units):
        unit_values: dict[str, Any] = {
            "name": unit.name,
            "name_en": unit.name_en,
            "contact_name": unit.contact.name if unit.contact else None,
            "contact_phone": unit.contact.phone if unit.contact else None,
            "kind": unit.kind,
            "position": position,
        }
        units[unit.code] = counts.upsert(
            session, existing.units.get(unit.code), UnitRecord, unit_values, plan_id=record.id, code=unit.code
        )
    tasks: dict[str, TaskRecord] = {}
    for position, task in enumerate(plan.tasks):
        task_values: dict[str, Any] = {"title": task.title, "title_en": task.title_en, "position": position}
        tasks[task.code] = counts.upsert(
            session, existing.tasks.get(task.code), TaskRecord, task_values, plan_id=record.id, code=task.code
        )
    session.flush()
    targets: dict[str, TargetRecord] = {}
    for position, target in enumerate(plan.targets()):
        target_values: dict[str, Any] = {
            "task_id": tasks[target.task].id,
            "title": target.title,
            "title_en": target.title_en,
            "type": target.type,
            "measure": target.measure,
            "measure_en": target.measure_en,
            "measure_en_one": target.measure_en_one,
            "baseline": target.baseline,
            "schedule": json.dumps(target.schedule),
            "scoring": _settings_json(target.scoring) if target.scoring else None,
            "weight": target.weight,
            "due": target.due,
            "position": position,
        }
        targets[target.code] = counts.upsert(
            session, existing.targets.get(target.code), TargetRecord, target_values, plan_id=record.id, code=target.code
        )
    session.flush()
    kept_assignments: set[tuple[int, int]] = set()
    kept_supports: set[tuple[int, int]] = set()
    for target in plan.targets():
        target_id = id_of(targets[target.code])
        for position, assignment in enumerate(target.assignments):
            pair = (target_id, id_of(units[assignment.unit]))
            kept_assignments.add(pair)
            counts.upsert(
                session,
                existing.assignments.get(pair),
                AssignmentRecord,
                {"amount": assignment.amount, "position": position},
                target_id=pair[0],
                unit_id=pair[1],
            )
        for unit_code in target.support:
            pair = (target_id, id_of(units[unit_code]))
            kept_supports.add(pair)
            counts.upsert(session, existing.supports.get(pair), SupportRecord, {}, target_id=pair[0], unit_id=pair[1])
    # Remove what the plan no longer has, children first (nothing removed here has entries).
    counts.remove(session, [a for pair, a in existing.assignments.items() if pair not in kept_assignments])
    counts.remove(session, [s for pair, s in existing.supports.items() if pair not in kept_supports])
    counts.remove(session, [g for code, g in existing.targets.items() if code not in targets])
    counts.remove(session, [k for code, k in existing.tasks.items() if code not in tasks])
    counts.remove(session, [u for code, u in existing.units.items() if code not in units])
    return SyncReport(
        year=plan.year, created=created, added=counts.added, changed=counts.changed, removed=counts.removed
    )


def _plan_record(
    session: Session, plan: Plan, source: str, source_sha256: str, now: datetime
) -> tuple[PlanRecord, bool]:
    record = session.exec(select(PlanRecord).where(PlanRecord.year == plan.year)).first()
    created = record is None
    if record is None:
        record = PlanRecord(
            year=plan.year,
            title=plan.title,
            office=plan.office,
            report_due_day=0,
            tolerance=0,
            start_month=0,
            assessment="",
            notices="",
            review="{}",
            source="",
            source_sha256="",
            loaded_at=now,
        )
    record.title, record.office, record.office_en = plan.title, plan.office, plan.office_en
    record.report_due_day, record.tolerance, record.start_month = plan.report_due_day, plan.tolerance, plan.start_month
    record.assessment, record.notices = _settings_json(plan.assessment), _settings_json(plan.notices)
    record.review = _settings_json(plan.review)
    record.supporting_reports = plan.supporting_reports
    record.source, record.source_sha256, record.loaded_at = source, source_sha256, now
    session.add(record)
    session.flush()
    return record, created


@dataclass
class _Existing:
    """What the database holds for a plan year before a sync."""

    units: dict[str, UnitRecord]
    tasks: dict[str, TaskRecord]
    targets: dict[str, TargetRecord]
    assignments: dict[tuple[int, int], AssignmentRecord]
    supports: dict[tuple[int, int], SupportRecord]

    @classmethod
    def read(cls, session: Session, plan_id: int) -> _Existing:
        targets = {g.code: g for g in session.exec(select(TargetRecord).where(TargetRecord.plan_id == plan_id))}
        target_ids = [g.id for g in targets.values()]
        return cls(
            units={u.code: u for u in session.exec(select(UnitRecord).where(UnitRecord.plan_id == plan_id))},
            tasks={k.code: k for k in session.exec(select(TaskRecord).where(TaskRecord.plan_id == plan_id))},
            targets=targets,
            assignments={
                (a.target_id, a.unit_id): a
                for a in session.exec(select(AssignmentRecord).where(col(AssignmentRecord.target_id).in_(target_ids)))
            },
            supports={
                (s.target_id, s.unit_id): s
                for s in session.exec(select(SupportRecord).where(col(SupportRecord.target_id).in_(target_ids)))
            },
        )


@dataclass(frozen=True)
class RemovedAssignment:
    target: str
    unit: str
    entries: int


@dataclass(frozen=True)
class RetypedTarget:
    target: str
    old: str
    new: str
    entries: int


@dataclass(frozen=True)
class RemovedNamedUnit:
    unit: str
    notices: int  # notice items naming it, void notices' too: the record keeps them
    adjustments: int = 0  # score adjustments and vetoes for it


class FiledDataAtRisk(Exception):
    """A sync refused: the plan would remove or retype what has entries, or remove a unit a notice
    names. Carries what would be lost; the tracker words it."""

    def __init__(self, year: int, losses: Sequence[RemovedAssignment | RetypedTarget | RemovedNamedUnit]) -> None:
        super().__init__(f"plan year {year}: {len(losses)} losses")
        self.year = year
        self.losses = list(losses)


def _unit_references(session: Session, plan_id: int) -> dict[str, tuple[int, int]]:
    """Per unit code, the notice items naming it (void notices included) and the adjustments for it."""
    from sqlalchemy import func
    from sqlalchemy import select as select_columns

    from ecotrack.storage.models import NoticeItemRecord, ScoreAdjustmentRecord

    counts: dict[str, tuple[int, int]] = {}
    items = session.execute(
        select_columns(col(UnitRecord.code), func.count())
        .select_from(NoticeItemRecord)
        .join(UnitRecord, col(UnitRecord.id) == NoticeItemRecord.unit_id)
        .where(col(UnitRecord.plan_id) == plan_id)
        .group_by(col(UnitRecord.code))
    )
    for code, count in items:
        counts[code] = (count, 0)
    adjustments = session.execute(
        select_columns(col(UnitRecord.code), func.count())
        .select_from(ScoreAdjustmentRecord)
        .join(UnitRecord, col(UnitRecord.id) == ScoreAdjustmentRecord.unit_id)
        .where(col(UnitRecord.plan_id) == plan_id)
        .group_by(col(UnitRecord.code))
    )
    for code, count in adjustments:
        counts[code] = (counts.get(code, (0, 0))[0], count)
    return counts


def _refuse_dropping_entries(
    plan: Plan, existing: _Existing, filed: dict[int, int], named: dict[str, tuple[int, int]]
) -> None:
    """Raise `FiledDataAtRisk` naming every assignment with entries, or unit named in a notice, that the
    plan would remove or retype."""
    unit_codes = {u.id: code for code, u in existing.units.items()}
    target_codes = {g.id: code for code, g in existing.targets.items()}
    wanted = {(g.code, a.unit) for g in plan.targets() for a in g.assignments}
    losses: list[RemovedAssignment | RetypedTarget | RemovedNamedUnit] = []
    entries_by_target: dict[int, int] = {}
    for (target_id, unit_id), assignment in existing.assignments.items():
        entries = filed.get(assignment.id or 0, 0)
        entries_by_target[target_id] = entries_by_target.get(target_id, 0) + entries
        pair = (target_codes[target_id], unit_codes[unit_id])
        if entries and pair not in wanted:
            losses.append(RemovedAssignment(target=pair[0], unit=pair[1], entries=entries))
    for code, record in existing.targets.items():
        new = plan.target(code)
        entries = entries_by_target.get(record.id or 0, 0)
        if entries and new is not None and new.type != record.type:
            losses.append(RetypedTarget(target=code, old=record.type, new=new.type, entries=entries))
    kept_units = {u.code for u in plan.units}
    losses += [
        RemovedNamedUnit(unit=code, notices=notices, adjustments=adjustments)
        for code, (notices, adjustments) in named.items()
        if code not in kept_units
    ]
    if losses:
        raise FiledDataAtRisk(plan.year, losses)


RecordT = TypeVar("RecordT", UnitRecord, TaskRecord, TargetRecord, AssignmentRecord, SupportRecord)


class _Counts:
    """What a sync added, changed and removed."""

    def __init__(self) -> None:
        self.added = self.changed = self.removed = 0

    def upsert(
        self, session: Session, existing: RecordT | None, model: type[RecordT], values: dict[str, Any], **identity: Any
    ) -> RecordT:
        if existing is None:
            record = model(**identity, **values)
            session.add(record)
            self.added += 1
            return record
        if any(getattr(existing, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(existing, key, value)
            session.add(existing)
            self.changed += 1
        return existing

    def remove(self, session: Session, stale: Sequence[SQLModel]) -> None:
        for record in stale:
            session.delete(record)
        self.removed += len(stale)
        session.flush()
