"""Entries: filing them (one import as one batch), the ledger the rules read, and the history.

The pieces of SPEC §4 and §9 that live in SQL are which entries count (the accepted ones: `is_accepted`,
as `rules.counts` says) and which of several entries for the same assignment and period counts: the
one with the latest reported date, then the one filed last. `superseding_entry` writes it once, for the
rules' ledger, re-imports and `history`'s superseded mark alike; it runs on SQLite and PostgreSQL. Python
folds the same rule with `rules.file_onto` (a property test holds the two together).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, case, false, func, insert, literal, or_
from sqlalchemy import select as select_columns
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from ecotrack.filing import EntryFields, NewEntry, entry_fields
from ecotrack.plan import month_of
from ecotrack.results import EarlierBatch, FilingReport, HistoryEntry
from ecotrack.rules import Filed, Ledger, file_onto, is_backdated
from ecotrack.storage.models import (
    AssignmentRecord,
    EntryRecord,
    ImportBatchRecord,
    ReviewDecisionRecord,
    TargetRecord,
    UnitRecord,
    id_of,
)

# --- entries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewBatch:
    """The file an import reads: recorded with the entries it files."""

    file_name: str
    sha256: str
    rows: int


def _counted_now(session: Session, plan_id: int) -> dict[tuple[str, str, str], tuple[Filed, str]]:
    """What counts now, or waits for review, for each period filed, with the note of that entry: so that
    importing a file again does not file its rows twice while the office has yet to decide on them."""
    winners = _winning_entries(plan_id, None, awaiting_review_too=True).subquery()
    rows = session.execute(
        select_columns(
            winners.c.unit,
            winners.c.target,
            winners.c.period,
            winners.c.value,
            col(EntryRecord.note),
            winners.c.reported_on,
            winners.c.first_on,
        ).join(EntryRecord, col(EntryRecord.id) == winners.c.id)
    )
    return {
        (unit, target, period): (Filed(value, _as_date(first_on), _as_date(on)), note)
        for unit, target, period, value, note, on, first_on in rows
    }


def _unchanged_periods(
    entries: Sequence[NewEntry], counted: dict[tuple[str, str, str], tuple[Filed, str]]
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
    if not counted:
        return set(), 0  # nothing counts yet (a year's first import): every period changes
    for unit, target, period, value, note, _, reported_at, _ in entry_fields(entries):
        key = (unit, target, period)
        state = states.get(key) or counted.get(key)
        if state is None:
            continue
        reported_on = reported_at.date()
        after = file_onto(state[0], value, reported_on)
        # the entry won exactly when the winner's date is now its own (a loser's is always later)
        states[key] = (after, note if after.counted_on == reported_on else state[1])
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
            id=id_of(record),
            file_name=record.file_name,
            imported_at=local_iso(record.imported_at),
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
    submitted: bool = False,
    catch_up_periods: frozenset[str] = frozenset(),
    with_ids: bool = False,
    notes_filed: int = 0,
) -> FilingReport:
    """Append entries in the order given (later rows win ties on the same reported date).

    `submitted`: filed by a unit while review is required, so they wait for the office (SPEC §9);
    entries for `catch_up_periods` are the office's 补报 into locked periods.

    For an import (`batch`), rows that leave what counts as it is (`_changing`) are not filed, so that
    importing a file twice, or again after a crash, files nothing twice. `notes_filed`: the supporting units'
    notes the same import files (SPEC §17), which count in its batch.
    """
    earlier = earlier_batches(session=session, plan_id=plan_id, sha256=batch.sha256) if batch else []
    if not entries and not (batch is not None and notes_filed):
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
    batch_id = None
    if batch is not None and (rows_unchanged < len(entries) or notes_filed):
        record = ImportBatchRecord(
            plan_id=plan_id,
            file_name=batch.file_name,
            sha256=batch.sha256,
            rows=batch.rows,
            filed=len(entries) - rows_unchanged + notes_filed,
            imported_at=filed_at,
            imported_by=filed_by,
        )
        session.add(record)
        session.flush()
        batch_id = record.id
    rows = _entry_rows(
        entry_fields(entries), assignment_ids, unchanged, filed_at, filed_by, batch_id, submitted, catch_up_periods
    )
    if with_ids:  # an entry's attachments need its id: RETURNING, for the one report filed with them
        parameters = [dict(zip(ENTRY_COLUMNS, row, strict=True)) for row in rows]
        statement = insert(EntryRecord).returning(col(EntryRecord.id))
        ids = list(session.execute(statement, parameters).scalars()) if parameters else []
        return FilingReport(filed=len(ids), unchanged=len(entries) - len(ids), batch=batch_id, earlier=earlier, ids=ids)
    filed = _insert_many(session, rows)
    return FilingReport(filed=filed, unchanged=len(entries) - filed, batch=batch_id, earlier=earlier)


def _entry_rows(
    entries: Iterable[EntryFields],
    assignment_ids: dict[tuple[str, str], int | None],
    unchanged: set[tuple[str, str, str]],
    filed_at: datetime,
    filed_by: str,
    batch_id: int | None,
    submitted: bool,
    catch_up_periods: frozenset[str],
) -> Iterator[tuple[Any, ...]]:
    """The entries to file as rows of ENTRY_COLUMNS, leaving out the periods `unchanged`."""
    days: dict[datetime, date] = {}  # a month's forms share a few hundred report times
    for unit, target, period, value, note, reported_by, reported_at, reason in entries:
        if unchanged and (unit, target, period) in unchanged:
            continue
        day = days.get(reported_at)
        if day is None:
            day = reported_at.date()
            if len(days) < INSERT_CHUNK:
                days[reported_at] = day
        yield (
            assignment_ids[(unit, target)],
            period,
            value,
            note,
            reported_by,
            reported_at,
            day,
            filed_at,
            filed_by,
            batch_id,
            submitted,
            reason,
            period in catch_up_periods,
        )


INSERT_CHUNK = 5000
# the columns an entry is filed with, in the order `_insert_many` takes them
ENTRY_COLUMNS = (
    "assignment_id",
    "period",
    "value",
    "note",
    "reported_by",
    "reported_at",
    "reported_on",
    "filed_at",
    "filed_by",
    "batch_id",
    "submitted",
    "reason",
    "catch_up",
)


def _insert_many(session: Session, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert entry rows (values in ENTRY_COLUMNS order) with the driver's executemany, in slices.

    SQLAlchemy compiles the INSERT for the dialect and gives each column type's bind processor, as its
    own executemany would; but that one runs every processor on every parameter of every row, about
    25 µs a row for these 13 columns, three quarters of an import's filing. Here each distinct value of
    a column is processed once a slice (the filing time is the same for every row, a month's dates
    repeat), and the driver gets the rows as they are. The SQL and the types are SQLAlchemy's, on
    SQLite and PostgreSQL alike.
    """
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        return _copy_many(connection, rows)
    table: Table = EntryRecord.__table__  # type: ignore[attr-defined]
    compiled = insert(table).compile(dialect=dialect, column_keys=list(ENTRY_COLUMNS))
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    order = [ENTRY_COLUMNS.index(name) for name in names]
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]

    def processed(chunk: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The chunk's rows in the driver's order and form: column by column, each distinct value once."""
        columns: list[Sequence[Any]] = list(zip(*chunk, strict=True))
        ordered: list[Sequence[Any]] = []
        for index, process in zip(order, processors, strict=True):
            column = columns[index]
            if process is not None:
                done = {value: None if value is None else process(value) for value in set(column)}
                column = [done[value] for value in column]
            ordered.append(column)
        return list(zip(*ordered, strict=True))

    filed = 0
    rows = iter(rows)
    # in slices, so that a file of a million rows never becomes a million parameter sets at once
    while chunk := list(itertools.islice(rows, INSERT_CHUNK)):
        values = processed(chunk)
        parameters: list[Any] = (
            values if compiled.positional else [dict(zip(names, row, strict=True)) for row in values]
        )
        connection.exec_driver_sql(compiled.string, parameters)
        filed += len(chunk)
    return filed


# Where a login's rows pass through row-level security on their way in: PostgreSQL refuses COPY FROM into a
# table whose policies apply to the login (a clerk's, the office's), so they are copied into a temporary table
# first and inserted from it by one INSERT … SELECT, which the policies check row by row.
_STAGED = "ecotrack_entry_copy"


def _copy_many(connection: Connection, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert entry rows (values in ENTRY_COLUMNS order) on PostgreSQL with one COPY, in the order given.

    COPY fires the entry's triggers as an INSERT does: the row triggers that stamp the recording time and the
    login (SPEC §13) and the statement trigger that checks the inserted entries against the plan and the locks,
    and the foreign keys. Where row-level security applies to the login, the rows are copied into a temporary
    table and inserted from it in one statement, so that the server checks each against the login's policies.
    A failure is raised as SQLAlchemy raises one (`DBAPIError`), for the unit of work's retries and the
    messages alike."""
    driver = connection.connection.driver_connection
    assert driver is not None
    columns = ", ".join(ENTRY_COLUMNS)
    statement = ""
    filed = 0
    try:
        with driver.cursor() as cursor:
            statement = "SELECT row_security_active('entry')"
            staged = bool(cursor.execute(statement).fetchone()[0])
            if staged:
                statement = (
                    f"CREATE TEMPORARY TABLE {_STAGED} ON COMMIT DROP AS "
                    f"SELECT 0::bigint AS seq, {columns} FROM entry WITH NO DATA"
                )
                cursor.execute(statement)
                statement = f"COPY {_STAGED} (seq, {columns}) FROM STDIN"
            else:
                statement = f"COPY entry ({columns}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row((filed, *row) if staged else row)
                    filed += 1
            if staged:
                statement = f"INSERT INTO entry ({columns}) SELECT {columns} FROM {_STAGED} ORDER BY seq"
                cursor.execute(statement)
                statement = f"DROP TABLE {_STAGED}"
                cursor.execute(statement)
    except connection.dialect.loaded_dbapi.Error as failure:
        raise DBAPIError.instance(
            statement, None, failure, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from None
    return filed


def is_accepted(
    *, decision: type[ReviewDecisionRecord] = ReviewDecisionRecord, entry: type[EntryRecord] = EntryRecord
) -> ColumnElement[bool]:
    """SPEC §9 in SQL, as `rules.review_state` and `rules.counts` say: an entry counts once accepted
    (by the office's decision, or when filed without needing one). Reads the outer-joined decision (of the
    tables given, or of their aliases)."""
    decided = col(decision.decision)
    return or_(decided == "accepted", and_(decided.is_(None), col(entry.submitted) == false()))


def _not_returned() -> ColumnElement[bool]:
    decision = col(ReviewDecisionRecord.decision)
    return or_(decision.is_(None), decision == "accepted")


# SPEC §4's winning entry, written once for every query: of the entries of one assignment and period, the one
# that no later entry replaces, "later" being this order (the later reported date, then the later filed). The
# order is the entry index's, so that SQLite reads the entries in it and sorts nothing. `rules.file_onto` folds
# the same rule in Python, for an import's rows not yet stored (a property test holds the two together).
SUPERSEDING_ORDER = (col(EntryRecord.reported_on), col(EntryRecord.id))
PERIOD_OF_AN_ASSIGNMENT = (col(EntryRecord.assignment_id), col(EntryRecord.period))


def superseding_entry(*among: ColumnElement[Any]) -> ColumnElement[Any]:
    """The id of the entry that replaces this one in its assignment and period (NULL for the winner), among
    the entries the query reads, further partitioned by `among` (e.g. whether each counts)."""
    return func.lead(EntryRecord.id).over(partition_by=(*PERIOD_OF_AN_ASSIGNMENT, *among), order_by=SUPERSEDING_ORDER)


def _winning_entries(plan_id: int, as_of: date | None, *, awaiting_review_too: bool = False) -> Select[Any]:
    """For each assignment and period of a plan year, the counted entry that wins (`awaiting_review_too`:
    among those the office has yet to decide on, too), with the earliest reported date among them.

    The window runs in the order of the entry index (assignment, period, reported date, id), so that
    SQLite reads each year's entries in that order and sorts nothing: the winner is the last of its
    window (nothing comes after it) and the first-filed date its first. The year's assignments come
    first, so ten plan years cost what one does.
    """
    year = _year_assignments(plan_id)
    counted = (
        select_columns(
            col(EntryRecord.id).label("id"),
            col(EntryRecord.assignment_id).label("assignment_id"),
            col(EntryRecord.period).label("period"),
            col(EntryRecord.value).label("value"),
            col(EntryRecord.reported_on).label("reported_on"),
            superseding_entry().label("later"),
            func.first_value(EntryRecord.reported_on)
            .over(partition_by=PERIOD_OF_AN_ASSIGNMENT, order_by=SUPERSEDING_ORDER)
            .label("first_on"),
        )
        .outerjoin(ReviewDecisionRecord, col(ReviewDecisionRecord.entry_id) == EntryRecord.id)
        .where(col(EntryRecord.assignment_id).in_(year))
        .where(_not_returned() if awaiting_review_too else is_accepted())
    )
    if as_of is not None:
        counted = counted.where(col(EntryRecord.reported_on) <= as_of)
    ranked = counted.subquery()
    return (
        select_columns(
            ranked.c.id,
            col(UnitRecord.code).label("unit"),
            col(TargetRecord.code).label("target"),
            ranked.c.period,
            ranked.c.value,
            ranked.c.reported_on,
            ranked.c.first_on,
        )
        .select_from(ranked)
        .join(AssignmentRecord, col(AssignmentRecord.id) == ranked.c.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .where(ranked.c.later.is_(None))
    )


def ledger(*, session: Session, plan_id: int, as_of: date | None) -> Ledger:
    """For each assignment and period, the counted entry that wins and when the period was first filed.

    One pass over the year's counted entries in the order of the entry index (assignment, period, reported
    date, id), which SQLite and PostgreSQL read without sorting: each period's entries are folded by
    `rules.file_onto`, SPEC §4's rule, in that order (the winner the last, the first-filed date the first),
    which picks what filing order does (a property test holds it to the SQL of `superseding_entry` too).
    Plain rows from the connection, no window and no join per entry: a window over a year's 72,000 entries
    costs SQLite three times the scan.
    """
    codes = {
        assignment_id: (unit, target)
        for assignment_id, unit, target in session.connection().execute(
            select_columns(col(AssignmentRecord.id), col(UnitRecord.code), col(TargetRecord.code))
            .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
            .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
            .where(col(TargetRecord.plan_id) == plan_id)
        )
    }
    counted = (
        select_columns(
            col(EntryRecord.assignment_id),
            col(EntryRecord.period),
            col(EntryRecord.value),
            col(EntryRecord.reported_on),
        )
        .outerjoin(ReviewDecisionRecord, col(ReviewDecisionRecord.entry_id) == EntryRecord.id)
        .where(col(EntryRecord.assignment_id).in_(_year_assignments(plan_id)))
        .where(is_accepted())
        .order_by(*PERIOD_OF_AN_ASSIGNMENT, *SUPERSEDING_ORDER)
    )
    if as_of is not None:
        counted = counted.where(col(EntryRecord.reported_on) <= as_of)
    # the driver's own tuples, fetched at once: a result row each, and a date parsed from SQLite's text each,
    # would cost as much as the query (a year has a few hundred distinct dates in 72,000 rows)
    rows = session.connection().execute(counted).cursor.fetchall()
    result: dict[tuple[str, str], dict[int, Filed]] = {}
    months: dict[str, int] = {}
    dates: dict[date | str, date] = {}
    periods: dict[int, Filed] = {}
    last_assignment = None
    for assignment_id, period, value, reported_on in rows:
        if assignment_id != last_assignment:
            last_assignment = assignment_id
            periods = result.setdefault(codes[assignment_id], {})
        month = months.get(period) or months.setdefault(period, month_of(period))
        on = dates.get(reported_on) or dates.setdefault(reported_on, _as_date(reported_on))
        periods[month] = file_onto(periods.get(month), value, on)
    return result


def _year_assignments(plan_id: int) -> Select[Any]:
    """The ids of a plan year's assignments: entries are reached through them, so that ten plan years cost
    what one does."""
    return (
        select_columns(col(AssignmentRecord.id))
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .where(col(TargetRecord.plan_id) == plan_id)
    )


def _as_date(value: date | str) -> date:
    # SQLite hands a window function's date back as text, and its driver every date.
    return value if isinstance(value, date) else date.fromisoformat(value)


def history(
    *, session: Session, plan_id: int, unit: str | None = None, target: str | None = None
) -> list[HistoryEntry]:
    """Every entry, corrections and entries under review included, oldest filing first, with its review
    state and decision; `superseded` by SPEC §4's rule among the accepted entries."""
    accepted = case((is_accepted(), literal(1)), else_=literal(0))
    columns: list[Any] = [
        col(EntryRecord.id).label("id"),
        col(UnitRecord.code).label("unit"),
        col(TargetRecord.code).label("target"),
        col(EntryRecord.period),
        col(EntryRecord.value),
        col(EntryRecord.note),
        col(EntryRecord.reported_by),
        col(EntryRecord.reported_at),
        col(EntryRecord.filed_at),
        col(EntryRecord.filed_by),
        col(EntryRecord.batch_id),
        col(EntryRecord.submitted),
        col(EntryRecord.reason),
        col(EntryRecord.catch_up),
        col(ReviewDecisionRecord.decision),
        col(ReviewDecisionRecord.decided_by),
        col(ReviewDecisionRecord.decided_at),
        col(ReviewDecisionRecord.reason).label("decision_reason"),
        # superseded: an accepted entry that a later accepted entry of its period replaces (SPEC §4, §9)
        superseding_entry(accepted).label("superseded_by"),
        accepted.label("accepted"),
        func.lag(EntryRecord.id)
        .over(partition_by=PERIOD_OF_AN_ASSIGNMENT, order_by=col(EntryRecord.id))
        .label("corrects"),
    ]
    query = (
        select_columns(*columns)
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .join(UnitRecord, col(UnitRecord.id) == AssignmentRecord.unit_id)
        .outerjoin(ReviewDecisionRecord, col(ReviewDecisionRecord.entry_id) == EntryRecord.id)
        .where(col(TargetRecord.plan_id) == plan_id)
        .order_by(col(EntryRecord.id))
    )
    if unit is not None:
        query = query.where(col(UnitRecord.code) == unit)
    if target is not None:
        query = query.where(col(TargetRecord.code) == target)
    return [_history_entry(row) for row in session.execute(query)]


def _history_entry(row: Any) -> HistoryEntry:
    from ecotrack.rules import review_state

    state = review_state(bool(row.submitted), row.decision)
    return HistoryEntry(
        id=row.id,
        unit=row.unit,
        target=row.target,
        period=row.period,
        value=row.value,
        note=row.note,
        reported_by=row.reported_by,
        reported_at=row.reported_at.isoformat(timespec="seconds"),
        superseded=bool(row.accepted) and row.superseded_by is not None,
        filed_at=local_iso(row.filed_at),
        filed_by=row.filed_by,
        corrects=row.corrects,
        batch=row.batch_id,
        review=state,
        decided_by=row.decided_by,
        decided_at=local_iso(row.decided_at) if row.decided_at is not None else None,
        return_reason=row.decision_reason if state == "returned" else None,
        backdated=is_backdated(row.reported_at.date(), local_time(row.filed_at).date()),
        reason=row.reason,
        catch_up=bool(row.catch_up),
    )


@lru_cache(maxsize=4096)  # an import's entries share one filing time
def local_iso(moment: datetime) -> str:
    return local_time(moment).isoformat(timespec="seconds")


def local_time(moment: datetime) -> datetime:
    """A moment ecotrack stored (always in UTC) as naive local time. SQLite gives it back without its zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().replace(tzinfo=None)
