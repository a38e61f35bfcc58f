"""Every query and write. Functions take the session as a keyword and give back plain data.

The one piece of SPEC §4 that lives in SQL is which of several entries for the same assignment and
period counts: the one with the latest reported date, then the one filed last. `_ranked_entries`
writes it once, for the rules' ledger and for the history alike; it runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, insert
from sqlmodel import Session, col, select

from ecotrack.errors import Refused
from ecotrack.filing import NewEntry
from ecotrack.i18n import t
from ecotrack.models import (
    AssignmentRecord,
    EntryRecord,
    PlanRecord,
    SupportRecord,
    TargetRecord,
    TaskRecord,
    UnitRecord,
)
from ecotrack.plan import AssessmentSettings, Assignment, NoticeSettings, Plan, Target, Task, Unit
from ecotrack.rules import Filed, Ledger


@dataclass(frozen=True)
class StoredPlan:
    """A plan year as the database holds it."""

    id: int
    plan: Plan
    source: str
    source_sha256: str
    loaded_at: datetime


@dataclass(frozen=True)
class SyncReport:
    year: int
    created: bool
    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class HistoryEntry:
    """One entry as the `history` command shows it (SPEC §6), with its audit fields."""

    id: int
    unit: str
    target: str
    period: str
    value: float
    note: str
    reported_by: str
    reported_at: str
    superseded: bool
    filed_at: str
    filed_by: str


# --- plan years -----------------------------------------------------------------------------------


def plan_years(*, session: Session) -> list[int]:
    return list(session.exec(select(PlanRecord.year).order_by(col(PlanRecord.year))))


def _settings_json(plan: Plan) -> tuple[str, str]:
    assessment = plan.assessment
    notices = plan.notices
    return (
        json.dumps({
            "completion_points": assessment.completion_points,
            "timeliness_points": assessment.timeliness_points,
            "notice_penalty": assessment.notice_penalty,
            "grades": [list(g) for g in assessment.grades],
            "fail_grade": assessment.fail_grade,
        }, ensure_ascii=False),
        json.dumps({"number_format": notices.number_format, "ladder": [list(step) for step in notices.ladder]},
                   ensure_ascii=False),
    )


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
        plan_units.append(Unit(code=unit.code, name=unit.name, kind=unit.kind,  # type: ignore[arg-type]
                               name_en=unit.name_en))
    assigned: dict[int, list[Assignment]] = {}
    rows = session.exec(
        select(AssignmentRecord.target_id, AssignmentRecord.unit_id, AssignmentRecord.amount)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .where(TargetRecord.plan_id == plan_id)
        .order_by(col(AssignmentRecord.position))
    )
    for target_id, unit_id, amount in rows:
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
    task_codes = {
        task.id: task.code for task in session.exec(select(TaskRecord).where(TaskRecord.plan_id == plan_id))
    }
    targets = session.exec(select(TargetRecord).where(TargetRecord.plan_id == plan_id)
                           .order_by(col(TargetRecord.position)))
    for target in targets:
        assert target.id is not None
        targets_by_task.setdefault(target.task_id, []).append(Target(
            code=target.code,
            title=target.title,
            title_en=target.title_en,
            task=task_codes[target.task_id],
            type=target.type,  # type: ignore[arg-type]
            measure=target.measure,
            baseline=target.baseline,
            schedule=tuple((int(month), float(share)) for month, share in json.loads(target.schedule)),
            weight=target.weight,
            due=target.due,
            support=tuple(supported.get(target.id, [])),
            assignments=tuple(assigned.get(target.id, [])),
        ))
    tasks = session.exec(select(TaskRecord).where(TaskRecord.plan_id == plan_id).order_by(col(TaskRecord.position)))
    plan_tasks = tuple(
        Task(code=task.code, title=task.title, title_en=task.title_en,
             targets=tuple(targets_by_task.get(task.id or 0, [])))
        for task in tasks
    )
    assessment = json.loads(record.assessment)
    notices = json.loads(record.notices)
    plan = Plan(
        year=record.year,
        title=record.title,
        office=record.office,
        report_due_day=record.report_due_day,
        tolerance=record.tolerance,
        start_month=record.start_month,
        units=tuple(plan_units),
        tasks=plan_tasks,
        assessment=AssessmentSettings(
            completion_points=assessment["completion_points"],
            timeliness_points=assessment["timeliness_points"],
            notice_penalty=assessment["notice_penalty"],
            grades=tuple((name, float(lowest)) for name, lowest in assessment["grades"]),
            fail_grade=assessment["fail_grade"],
        ),
        notices=NoticeSettings(
            number_format=notices["number_format"],
            ladder=tuple((int(count), word) for count, word in notices["ladder"]),
        ),
    )
    return StoredPlan(id=plan_id, plan=plan, source=record.source, source_sha256=record.source_sha256,
                      loaded_at=record.loaded_at)


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
    assessment_json, notices_json = _settings_json(plan)
    record = session.exec(select(PlanRecord).where(PlanRecord.year == plan.year)).first()
    created = record is None
    if record is None:
        record = PlanRecord(year=plan.year, title=plan.title, office=plan.office, report_due_day=plan.report_due_day,
                            tolerance=plan.tolerance, start_month=plan.start_month, assessment=assessment_json,
                            notices=notices_json, source=source, source_sha256=source_sha256, loaded_at=now)
    else:
        for key, value in dict(title=plan.title, office=plan.office, report_due_day=plan.report_due_day,
                               tolerance=plan.tolerance, start_month=plan.start_month, assessment=assessment_json,
                               notices=notices_json, source=source, source_sha256=source_sha256,
                               loaded_at=now).items():
            setattr(record, key, value)
    session.add(record)
    session.flush()
    assert record.id is not None
    plan_id = record.id
    counts = _Counts()

    units = {u.code: u for u in session.exec(select(UnitRecord).where(UnitRecord.plan_id == plan_id))}
    tasks = {k.code: k for k in session.exec(select(TaskRecord).where(TaskRecord.plan_id == plan_id))}
    targets = {g.code: g for g in session.exec(select(TargetRecord).where(TargetRecord.plan_id == plan_id))}
    target_ids = [g.id for g in targets.values()]
    assignments = {(a.target_id, a.unit_id): a for a in session.exec(
        select(AssignmentRecord).where(col(AssignmentRecord.target_id).in_(target_ids)))}
    supports = {(s.target_id, s.unit_id): s for s in session.exec(
        select(SupportRecord).where(col(SupportRecord.target_id).in_(target_ids)))}
    filed = _entry_counts(session, plan_id)

    # Refuse first, before anything is written: removing or retyping what has entries.
    unit_ids_wanted = {u.code for u in plan.units}
    wanted_pairs = {(g.code, a.unit) for g in plan.targets() for a in g.assignments}
    codes_by_unit_id = {u.id: code for code, u in units.items()}
    codes_by_target_id = {g.id: code for code, g in targets.items()}
    refusals: list[str] = []
    entries_by_target: dict[int, int] = {}
    for (target_id, unit_id), assignment in assignments.items():
        entries = filed.get(assignment.id or 0, 0)
        entries_by_target[target_id] = entries_by_target.get(target_id, 0) + entries
        pair = (codes_by_target_id[target_id], codes_by_unit_id[unit_id])
        if entries and pair not in wanted_pairs:
            refusals.append(t("sync.would_remove_assignment", target=pair[0], unit=pair[1], entries=entries))
    for code, target in targets.items():
        new = plan.target(code)
        entries = entries_by_target.get(target.id or 0, 0)
        if entries and new is not None and new.type != target.type:
            refusals.append(t("sync.would_retype", target=code, old=target.type, new=new.type, entries=entries))
    if refusals:
        raise Refused(t("sync.refused", year=plan.year), details=refusals, hint=t("sync.refused_hint"))

    for position, unit in enumerate(plan.units):
        values = dict(name=unit.name, name_en=unit.name_en, kind=unit.kind, position=position)
        units[unit.code] = counts.upsert(session, units.get(unit.code), UnitRecord, values,
                                         plan_id=plan_id, code=unit.code)
    for position, task in enumerate(plan.tasks):
        values = dict(title=task.title, title_en=task.title_en, position=position)
        tasks[task.code] = counts.upsert(session, tasks.get(task.code), TaskRecord, values,
                                         plan_id=plan_id, code=task.code)
    session.flush()
    for position, target in enumerate(plan.targets()):
        values = dict(task_id=tasks[target.task].id, title=target.title, title_en=target.title_en, type=target.type,
                      measure=target.measure, baseline=target.baseline, schedule=json.dumps(target.schedule),
                      weight=target.weight, due=target.due, position=position)
        targets[target.code] = counts.upsert(session, targets.get(target.code), TargetRecord, values,
                                             plan_id=plan_id, code=target.code)
    session.flush()
    kept_assignments: set[tuple[int, int]] = set()
    kept_supports: set[tuple[int, int]] = set()
    for target in plan.targets():
        target_id = targets[target.code].id
        assert target_id is not None
        for position, assignment in enumerate(target.assignments):
            unit_id = units[assignment.unit].id
            assert unit_id is not None
            key = (target_id, unit_id)
            kept_assignments.add(key)
            counts.upsert(session, assignments.get(key), AssignmentRecord, dict(amount=assignment.amount,
                          position=position), target_id=target_id, unit_id=unit_id)
        for unit_code in target.support:
            unit_id = units[unit_code].id
            assert unit_id is not None
            key = (target_id, unit_id)
            kept_supports.add(key)
            if key not in supports:
                session.add(SupportRecord(target_id=target_id, unit_id=unit_id))
                counts.added += 1
    # Remove what the plan no longer has, children first (nothing removed here has entries).
    for key, stale_assignment in assignments.items():
        if key not in kept_assignments:
            session.delete(stale_assignment)
            counts.removed += 1
    for key, stale_support in supports.items():
        if key not in kept_supports:
            session.delete(stale_support)
            counts.removed += 1
    session.flush()
    for code, stale_target in list(targets.items()):
        if plan.target(code) is None:
            session.delete(stale_target)
            counts.removed += 1
    session.flush()
    wanted_tasks = {k.code for k in plan.tasks}
    for code, stale_task in list(tasks.items()):
        if code not in wanted_tasks:
            session.delete(stale_task)
            counts.removed += 1
    for code, stale_unit in list(units.items()):
        if code not in unit_ids_wanted:
            session.delete(stale_unit)
            counts.removed += 1
    session.flush()
    return SyncReport(year=plan.year, created=created, added=counts.added, changed=counts.changed,
                      removed=counts.removed)


class _Counts:
    """What a sync added, changed and removed."""

    def __init__(self) -> None:
        self.added = self.changed = self.removed = 0

    def upsert(self, session: Session, existing: Any, model: type[Any], values: dict[str, Any],
               **identity: Any) -> Any:
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


# --- entries --------------------------------------------------------------------------------------


def add_entries(*, session: Session, plan_id: int, entries: Sequence[NewEntry], filed_by: str,
                filed_at: datetime) -> int:
    """Append entries in the order given (later rows win ties on the same reported date)."""
    if not entries:
        return 0
    assignment_ids = {
        (unit, target): assignment_id
        for unit, target, assignment_id in session.exec(
            select(UnitRecord.code, TargetRecord.code, AssignmentRecord.id)
            .join(AssignmentRecord, col(AssignmentRecord.unit_id) == UnitRecord.id)
            .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
            .where(TargetRecord.plan_id == plan_id)
        )
    }
    rows = [
        {
            "assignment_id": assignment_ids[(entry.unit, entry.target)],
            "period": entry.period,
            "value": entry.value,
            "note": entry.note,
            "reported_by": entry.reported_by,
            "reported_at": entry.reported_at,
            "reported_on": entry.reported_at.date(),
            "filed_at": filed_at,
            "filed_by": filed_by,
        }
        for entry in entries
    ]
    session.execute(insert(EntryRecord), rows)
    return len(rows)


def _ranked_entries(plan_id: int, as_of: date | None) -> Select[Any]:
    """Entries of a plan year ranked within their assignment and period: rank 1 is the one that counts."""
    window = {"partition_by": (EntryRecord.assignment_id, EntryRecord.period)}
    query = (
        select(
            col(EntryRecord.id).label("id"),
            col(UnitRecord.code).label("unit"),
            col(TargetRecord.code).label("target"),
            col(EntryRecord.period).label("period"),
            col(EntryRecord.value).label("value"),
            func.row_number().over(
                **window, order_by=(col(EntryRecord.reported_on).desc(), col(EntryRecord.id).desc())
            ).label("rank"),
            func.min(EntryRecord.reported_on).over(**window).label("first_on"),
        )
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .where(TargetRecord.plan_id == plan_id)
    )
    if as_of is not None:
        query = query.where(col(EntryRecord.reported_on) <= as_of)
    return query


def ledger(*, session: Session, plan_id: int, as_of: date | None) -> Ledger:
    """For each assignment and period, the counted entry that wins and when the period was first filed.

    One row per assignment and period comes back, however many corrections were filed.
    """
    ranked = _ranked_entries(plan_id, as_of).subquery()
    rows = session.execute(
        select(ranked.c.unit, ranked.c.target, ranked.c.period, ranked.c.value, ranked.c.first_on)
        .where(ranked.c.rank == 1)
    )
    result: dict[tuple[str, str], dict[int, Filed]] = {}
    for unit, target, period, value, first_on in rows:
        result.setdefault((unit, target), {})[int(period[5:7])] = Filed(value=value, first_on=_as_date(first_on))
    return result


def _as_date(value: date | str) -> date:
    # SQLite hands a window function's date back as text.
    return value if isinstance(value, date) else date.fromisoformat(value)


def history(*, session: Session, plan_id: int, unit: str | None = None, target: str | None = None
            ) -> list[HistoryEntry]:
    """Every entry, corrections included, oldest filing first; `superseded` by SPEC §4's rule."""
    ranked = _ranked_entries(plan_id, None).subquery()
    query = (
        select(ranked.c.id, ranked.c.unit, ranked.c.target, ranked.c.period, ranked.c.value, ranked.c.rank,
               EntryRecord.note, EntryRecord.reported_by, EntryRecord.reported_at, EntryRecord.filed_at,
               EntryRecord.filed_by)
        .join(EntryRecord, col(EntryRecord.id) == ranked.c.id)
        .order_by(ranked.c.id)
    )
    if unit is not None:
        query = query.where(ranked.c.unit == unit)
    if target is not None:
        query = query.where(ranked.c.target == target)
    return [
        HistoryEntry(
            id=row.id, unit=row.unit, target=row.target, period=row.period, value=row.value, note=row.note,
            reported_by=row.reported_by, reported_at=row.reported_at.isoformat(timespec="seconds"),
            superseded=row.rank > 1, filed_at=_local_iso(row.filed_at), filed_by=row.filed_by,
        )
        for row in session.execute(query)
    ]


def _local_iso(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def entry_count(*, session: Session, plan_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(EntryRecord)
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .where(TargetRecord.plan_id == plan_id)
    ).one()
