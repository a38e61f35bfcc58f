"""Every query and write. Functions take the session as a keyword and give back plain data.

The one piece of SPEC §4 that lives in SQL is which of several entries for the same assignment and
period counts: the one with the latest reported date, then the one filed last. `_ranked_entries`
writes it once, for the rules' ledger and for the history alike; it runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, func, insert
from sqlalchemy import select as select_columns
from sqlmodel import Session, SQLModel, col, select

from ecotrack.errors import Refused
from ecotrack.filing import NewEntry
from ecotrack.i18n import t
from ecotrack.models import (
    AssignmentRecord,
    EntryRecord,
    ImportBatchRecord,
    NoticeItemRecord,
    NoticeRecord,
    PlanRecord,
    SupportRecord,
    TargetRecord,
    TaskRecord,
    UnitRecord,
)
from ecotrack.notices import Notice
from ecotrack.plan import AssessmentSettings, Assignment, NoticeSettings, Plan, Target, Task, Unit
from ecotrack.rules import Filed, Ledger, file_onto


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
    corrects: int | None  # the entry filed before it for the same unit, target and period
    batch: int | None  # the import that filed it, if one did


# --- plan years -----------------------------------------------------------------------------------


def plan_years(*, session: Session) -> list[int]:
    return list(session.exec(select(PlanRecord.year).order_by(col(PlanRecord.year))))


def _settings_json(plan: Plan) -> tuple[str, str]:
    assessment = plan.assessment
    notices = plan.notices
    return (
        json.dumps(
            {
                "completion_points": assessment.completion_points,
                "timeliness_points": assessment.timeliness_points,
                "notice_penalty": assessment.notice_penalty,
                "grades": [list(g) for g in assessment.grades],
                "fail_grade": assessment.fail_grade,
            },
            ensure_ascii=False,
        ),
        json.dumps(
            {"number_format": notices.number_format, "ladder": [list(step) for step in notices.ladder]},
            ensure_ascii=False,
        ),
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
        plan_units.append(
            Unit(
                code=unit.code,
                name=unit.name,
                kind=unit.kind,  # type: ignore[arg-type]
                name_en=unit.name_en,
            )
        )
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
                type=target.type,  # type: ignore[arg-type]
                measure=target.measure,
                baseline=target.baseline,
                schedule=tuple((int(month), float(share)) for month, share in json.loads(target.schedule)),
                weight=target.weight,
                due=target.due,
                support=tuple(supported.get(target.id, [])),
                assignments=tuple(assigned.get(target.id, [])),
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
    _refuse_dropping_entries(
        plan, existing, _entry_counts(session, record.id), notice_counts(session=session, plan_id=record.id)
    )
    counts = _Counts()
    units: dict[str, UnitRecord] = {}
    for position, unit in enumerate(plan.units):
        unit_values: dict[str, Any] = {
            "name": unit.name,
            "name_en": unit.name_en,
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
            "baseline": target.baseline,
            "schedule": json.dumps(target.schedule),
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
        target_id = _id(targets[target.code])
        for position, assignment in enumerate(target.assignments):
            pair = (target_id, _id(units[assignment.unit]))
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
            pair = (target_id, _id(units[unit_code]))
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


def _id(record: UnitRecord | TargetRecord | ImportBatchRecord) -> int:
    assert record.id is not None, "flushed records have ids"
    return record.id


def _plan_record(
    session: Session, plan: Plan, source: str, source_sha256: str, now: datetime
) -> tuple[PlanRecord, bool]:
    assessment_json, notices_json = _settings_json(plan)
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
            source="",
            source_sha256="",
            loaded_at=now,
        )
    record.title, record.office = plan.title, plan.office
    record.report_due_day, record.tolerance, record.start_month = plan.report_due_day, plan.tolerance, plan.start_month
    record.assessment, record.notices = assessment_json, notices_json
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


def _refuse_dropping_entries(plan: Plan, existing: _Existing, filed: dict[int, int], named: dict[str, int]) -> None:
    """Raise `Refused` naming every assignment with entries, or unit named in a notice, that the plan would
    remove or retype."""
    unit_codes = {u.id: code for code, u in existing.units.items()}
    target_codes = {g.id: code for code, g in existing.targets.items()}
    wanted = {(g.code, a.unit) for g in plan.targets() for a in g.assignments}
    refusals: list[str] = []
    entries_by_target: dict[int, int] = {}
    for (target_id, unit_id), assignment in existing.assignments.items():
        entries = filed.get(assignment.id or 0, 0)
        entries_by_target[target_id] = entries_by_target.get(target_id, 0) + entries
        pair = (target_codes[target_id], unit_codes[unit_id])
        if entries and pair not in wanted:
            refusals.append(t("sync.would_remove_assignment", target=pair[0], unit=pair[1], entries=entries))
    for code, record in existing.targets.items():
        new = plan.target(code)
        entries = entries_by_target.get(record.id or 0, 0)
        if entries and new is not None and new.type != record.type:
            refusals.append(t("sync.would_retype", target=code, old=record.type, new=new.type, entries=entries))
    kept_units = {u.code for u in plan.units}
    refusals += [
        t("sync.would_remove_named_unit", unit=code, notices=count)
        for code, count in named.items()
        if code not in kept_units
    ]
    if refusals:
        raise Refused(t("sync.refused", year=plan.year), details=refusals, hint=t("sync.refused_hint"))


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


# --- entries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewBatch:
    """The file an import reads: recorded with the entries it files."""

    file_name: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class EarlierBatch:
    """An import of the same file before."""

    id: int
    file_name: str
    imported_at: str
    imported_by: str
    filed: int


@dataclass(frozen=True)
class FilingReport:
    filed: int
    unchanged: int  # rows equal to the entry already counted: not filed again
    batch: int | None  # the import batch recorded, when anything was filed
    earlier: list[EarlierBatch]  # earlier imports of the same file


def _counted_now(session: Session, plan_id: int) -> dict[tuple[str, str, str], tuple[Filed, str]]:
    """What counts now for each period filed, with the note of the entry that counts."""
    ranked = _ranked_entries(plan_id, None).subquery()
    rows = session.execute(
        select_columns(
            ranked.c.unit,
            ranked.c.target,
            ranked.c.period,
            ranked.c.value,
            col(EntryRecord.note),
            ranked.c.reported_on,
            ranked.c.first_on,
        )
        .join(EntryRecord, col(EntryRecord.id) == ranked.c.id)
        .where(ranked.c.rank == 1)
    )
    return {
        (unit, target, period): (Filed(value, _as_date(first_on), _as_date(on)), note)
        for unit, target, period, value, note, on, first_on in rows
    }


def _unchanged_periods(
    entries: Iterable[NewEntry], counted: dict[tuple[str, str, str], tuple[Filed, str]]
) -> tuple[set[tuple[str, str, str]], int]:
    """The periods (unit, target, period) an import would leave as they are, and how many of its rows
    they hold.

    The rows for one unit, target and period are folded onto the entry counted now by SPEC §4's rule
    (`rules.file_onto`); when they leave the counted value, note and first-filed date as they are, none
    of them is filed. Judged per period rather than per row, so that a file holding corrections reaches
    a fixed point: importing it again files nothing. One pass, one state per period already counted.
    """
    states: dict[tuple[str, str, str], tuple[Filed, str]] = {}
    rows: dict[tuple[str, str, str], int] = {}
    for entry in entries:
        key = (entry.unit, entry.target, entry.period)
        state = states.get(key) or counted.get(key)
        if state is None:
            continue
        reported_on = entry.reported_at.date()
        after = file_onto(state[0], entry.value, reported_on)
        # the entry won exactly when the winner's date is now its own (a loser's is always later)
        states[key] = (after, entry.note if after.counted_on == reported_on else state[1])
        rows[key] = rows.get(key, 0) + 1
    unchanged = {
        key
        for key, (after, note) in states.items()
        if (after.value, note, after.first_on) == (counted[key][0].value, counted[key][1], counted[key][0].first_on)
    }
    return unchanged, sum(rows[key] for key in unchanged)


def earlier_batches(*, session: Session, plan_id: int, sha256: str) -> list[EarlierBatch]:
    records = session.exec(
        select(ImportBatchRecord)
        .where(ImportBatchRecord.plan_id == plan_id, ImportBatchRecord.sha256 == sha256)
        .order_by(col(ImportBatchRecord.id))
    )
    return [
        EarlierBatch(
            id=_id(record),
            file_name=record.file_name,
            imported_at=_local_iso(record.imported_at),
            imported_by=record.imported_by,
            filed=record.filed,
        )
        for record in records
    ]


def add_entries(
    *,
    session: Session,
    plan_id: int,
    entries: Sequence[NewEntry],
    filed_by: str,
    filed_at: datetime,
    batch: NewBatch | None = None,
) -> FilingReport:
    """Append entries in the order given (later rows win ties on the same reported date).

    For an import (`batch`), rows that leave what counts as it is (`_changing`) are not filed, so that
    importing a file twice, or again after a crash, files nothing twice.
    """
    earlier = earlier_batches(session=session, plan_id=plan_id, sha256=batch.sha256) if batch else []
    if not entries:
        return FilingReport(filed=0, unchanged=0, batch=None, earlier=earlier)
    assignment_ids = {
        (unit, target): assignment_id
        for unit, target, assignment_id in session.exec(
            select(UnitRecord.code, TargetRecord.code, AssignmentRecord.id)
            .join(AssignmentRecord, col(AssignmentRecord.unit_id) == UnitRecord.id)
            .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
            .where(TargetRecord.plan_id == plan_id)
        )
    }
    unchanged, rows_unchanged = (
        _unchanged_periods(entries, _counted_now(session, plan_id)) if batch is not None else (set(), 0)
    )
    kept = (entry for entry in entries if (entry.unit, entry.target, entry.period) not in unchanged)
    batch_id = None
    if batch is not None and rows_unchanged < len(entries):
        record = ImportBatchRecord(
            plan_id=plan_id,
            file_name=batch.file_name,
            sha256=batch.sha256,
            rows=batch.rows,
            filed=len(entries) - rows_unchanged,
            imported_at=filed_at,
            imported_by=filed_by,
        )
        session.add(record)
        session.flush()
        batch_id = record.id
    filed = 0
    # in slices, so that a file of a million rows never becomes a million dictionaries at once
    while chunk := list(itertools.islice(kept, INSERT_CHUNK)):
        session.execute(
            insert(EntryRecord),
            [
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
                    "batch_id": batch_id,
                }
                for entry in chunk
            ],
        )
        filed += len(chunk)
    return FilingReport(filed=filed, unchanged=len(entries) - filed, batch=batch_id, earlier=earlier)


INSERT_CHUNK = 5000


def _ranked_entries(plan_id: int, as_of: date | None) -> Select[Any]:
    """Entries of a plan year ranked within their assignment and period: rank 1 is the one that counts."""
    partition = (col(EntryRecord.assignment_id), col(EntryRecord.period))
    query = (
        select_columns(
            col(EntryRecord.id).label("id"),
            col(UnitRecord.code).label("unit"),
            col(TargetRecord.code).label("target"),
            col(EntryRecord.period).label("period"),
            col(EntryRecord.value).label("value"),
            col(EntryRecord.reported_on).label("reported_on"),
            func.row_number()
            .over(partition_by=partition, order_by=(col(EntryRecord.reported_on).desc(), col(EntryRecord.id).desc()))
            .label("rank"),
            func.min(EntryRecord.reported_on).over(partition_by=partition).label("first_on"),
            func.lag(EntryRecord.id).over(partition_by=partition, order_by=col(EntryRecord.id)).label("corrects"),
        )
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .where(col(TargetRecord.plan_id) == plan_id)
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
        select_columns(
            ranked.c.unit, ranked.c.target, ranked.c.period, ranked.c.value, ranked.c.first_on, ranked.c.reported_on
        ).where(ranked.c.rank == 1)
    )
    result: dict[tuple[str, str], dict[int, Filed]] = {}
    for unit, target, period, value, first_on, counted_on in rows:
        result.setdefault((unit, target), {})[int(period[5:7])] = Filed(
            value=value, first_on=_as_date(first_on), counted_on=_as_date(counted_on)
        )
    return result


def _as_date(value: date | str) -> date:
    # SQLite hands a window function's date back as text.
    return value if isinstance(value, date) else date.fromisoformat(value)


def history(
    *, session: Session, plan_id: int, unit: str | None = None, target: str | None = None
) -> list[HistoryEntry]:
    """Every entry, corrections included, oldest filing first; `superseded` by SPEC §4's rule."""
    ranked = _ranked_entries(plan_id, None).subquery()
    query = (
        select_columns(
            ranked.c.id,
            ranked.c.unit,
            ranked.c.target,
            ranked.c.period,
            ranked.c.value,
            ranked.c.rank,
            ranked.c.corrects,
            col(EntryRecord.note),
            col(EntryRecord.reported_by),
            col(EntryRecord.reported_at),
            col(EntryRecord.filed_at),
            col(EntryRecord.filed_by),
            col(EntryRecord.batch_id),
        )
        .join(EntryRecord, col(EntryRecord.id) == ranked.c.id)
        .order_by(ranked.c.id)
    )
    if unit is not None:
        query = query.where(ranked.c.unit == unit)
    if target is not None:
        query = query.where(ranked.c.target == target)
    return [
        HistoryEntry(
            id=row.id,
            unit=row.unit,
            target=row.target,
            period=row.period,
            value=row.value,
            note=row.note,
            reported_by=row.reported_by,
            reported_at=row.reported_at.isoformat(timespec="seconds"),
            superseded=row.rank > 1,
            filed_at=_local_iso(row.filed_at),
            filed_by=row.filed_by,
            corrects=row.corrects,
            batch=row.batch_id,
        )
        for row in session.execute(query)
    ]


@lru_cache(maxsize=4096)  # an import's entries share one filing time
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


# --- notices --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedUnit:
    """A unit a notice names (its notice item: the one record of who a notice names)."""

    unit: str
    unit_name: str
    count_this_year: int


@dataclass(frozen=True)
class IssuedNotice:
    number: int
    document_number: str
    as_of: date
    evaluation_month: str
    issued_at: str
    issued_by: str
    document: str
    named: list[NamedUnit]  # from the notice items, in the notice's order
    content: dict[str, Any]  # the snapshot the document was written from (SPEC §6's notice object)


def _issued(record: NoticeRecord, named: list[NamedUnit]) -> IssuedNotice:
    return IssuedNotice(
        number=record.number,
        document_number=record.document_number,
        as_of=record.as_of,
        evaluation_month=record.evaluation_month,
        issued_at=_local_iso(record.issued_at),
        issued_by=record.issued_by,
        document=record.document,
        named=named,
        content=json.loads(record.content),
    )


def _named_units(session: Session, notice_ids: list[int]) -> dict[int, list[NamedUnit]]:
    rows = session.execute(
        select_columns(
            col(NoticeItemRecord.notice_id),
            col(UnitRecord.code),
            col(UnitRecord.name),
            col(NoticeItemRecord.count_this_year),
        )
        .join(UnitRecord, col(UnitRecord.id) == NoticeItemRecord.unit_id)
        .where(col(NoticeItemRecord.notice_id).in_(notice_ids))
        .order_by(col(NoticeItemRecord.id))
    )
    named: dict[int, list[NamedUnit]] = {}
    for notice_id, unit, unit_name, count in rows:
        named.setdefault(notice_id, []).append(NamedUnit(unit, unit_name, count))
    return named


def notices(*, session: Session, plan_id: int) -> list[IssuedNotice]:
    """The notices of a plan year, oldest first."""
    records = list(
        session.exec(select(NoticeRecord).where(NoticeRecord.plan_id == plan_id).order_by(col(NoticeRecord.number)))
    )
    named = _named_units(session, [record.id for record in records if record.id is not None])
    return [_issued(record, named.get(record.id or 0, [])) for record in records]


def notice_for_month(*, session: Session, plan_id: int, evaluation_month: str) -> IssuedNotice | None:
    record = session.exec(
        select(NoticeRecord).where(NoticeRecord.plan_id == plan_id, NoticeRecord.evaluation_month == evaluation_month)
    ).first()
    if record is None or record.id is None:
        return None
    return _issued(record, _named_units(session, [record.id]).get(record.id, []))


def next_notice_number(*, session: Session, plan_id: int) -> int:
    highest = session.exec(select(func.max(NoticeRecord.number)).where(NoticeRecord.plan_id == plan_id)).one()
    return (highest or 0) + 1


def notice_counts(*, session: Session, plan_id: int, as_of: date | None = None) -> dict[str, int]:
    """Notice items naming each unit in the notices of a plan year (those as of `as_of` or before, if given)."""
    query = (
        select_columns(col(UnitRecord.code), func.count())
        .select_from(NoticeItemRecord)
        .join(NoticeRecord, col(NoticeRecord.id) == NoticeItemRecord.notice_id)
        .join(UnitRecord, col(UnitRecord.id) == NoticeItemRecord.unit_id)
        .where(col(NoticeRecord.plan_id) == plan_id)
        .group_by(col(UnitRecord.code))
    )
    if as_of is not None:
        query = query.where(col(NoticeRecord.as_of) <= as_of)
    return dict(session.execute(query).all())


def record_notice(
    *, session: Session, plan_id: int, notice: Notice, document: str, issued_at: datetime, issued_by: str
) -> None:
    """Store a notice and one item per unit it names; the database refuses a second one for the month."""
    record = NoticeRecord(
        plan_id=plan_id,
        number=notice.number,
        document_number=notice.document_number,
        as_of=notice.as_of,
        evaluation_month=notice.evaluation_month,
        issued_at=issued_at,
        issued_by=issued_by,
        document=document,
        content=json.dumps(notice.as_json(), ensure_ascii=False),
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    unit_ids = dict(
        session.execute(
            select_columns(col(UnitRecord.code), col(UnitRecord.id)).where(col(UnitRecord.plan_id) == plan_id)
        ).all()
    )
    for item in notice.units:
        session.add(
            NoticeItemRecord(notice_id=record.id, unit_id=unit_ids[item.unit], count_this_year=item.count_this_year)
        )
    session.flush()
