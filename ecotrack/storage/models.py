"""The database tables (SQLModel). Only `store` and the migrations use them.

Entries, import batches, review decisions, period locks, notices and notice items are append-only:
nothing in ecotrack updates or deletes one of their rows (a correction is a new entry), and database
triggers refuse it (`guards`).
Invariants live in the database (unique constraints, foreign keys, checks) so that a race gives an
error, not a duplicate, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Index, LargeBinary, MetaData, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

# Every constraint gets a predictable name on both databases, so that migrations can refer to it
# (Alembic batch mode on SQLite needs names). Set before any table is declared.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class PlanRecord(SQLModel, table=True):
    """One plan year as loaded from its plan file; the assessment and notice settings as JSON."""

    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    title: str
    office: str
    report_due_day: int
    tolerance: float
    start_month: int
    assessment: str = Field(sa_column=Column(Text, nullable=False))
    notices: str = Field(sa_column=Column(Text, nullable=False))
    review: str = Field(sa_column=Column(Text, nullable=False, server_default="{}"))  # SPEC §9 settings as JSON
    # SPEC §17: supporting units file monthly notes (migration 0013)
    supporting_reports: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    office_en: str | None = None  # the office's English name (migration 0016)
    source: str  # the plan file's path when it was loaded
    source_sha256: str  # its fingerprint, to warn when the file changed but was not reloaded
    loaded_at: datetime


class UnitRecord(SQLModel, table=True):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str
    name: str
    name_en: str | None = None
    contact_name: str | None = None  # whom the office chases (催办)
    contact_phone: str | None = None
    kind: str
    position: int


class TaskRecord(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str
    title: str
    title_en: str | None = None
    position: int


class TargetRecord(SQLModel, table=True):
    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    code: str
    title: str
    title_en: str | None = None
    type: str
    measure: str | None = None
    measure_en: str | None = None
    measure_en_one: str | None = None  # the English singular (migration 0016)
    baseline: float
    schedule: str = Field(sa_column=Column(Text, nullable=False))  # JSON [[month, share], ...]
    scoring: str | None = None  # JSON {"per", "points"}: the target's 计分办法 (SPEC §11)
    weight: float
    due: date | None = None
    position: int


class AssignmentRecord(SQLModel, table=True):
    """A lead unit's share of a target; entries point here."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("target_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    amount: float
    position: int


class SupportRecord(SQLModel, table=True):
    """A unit that helps with a target: listed, never assessed, never files."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("target_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)


class EntryRecord(SQLModel, table=True):
    """One filing: the level of an assignment at the end of a period (SPEC §4). Never changed."""

    __tablename__ = "entry"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        # the SQL of SPEC §5 reads entries by assignment and period, in reported and filing order
        Index("ix_entry_assignment_period", "assignment_id", "period", "reported_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id")
    period: str = Field(max_length=7)  # YYYY-MM
    value: float
    note: str = ""
    reported_by: str
    reported_at: datetime = Field(sa_type=DateTime())  # local time, as given or when filed (naive)
    reported_on: date  # its date, which is all the rules read
    filed_at: datetime  # when ecotrack stored it (aware, stored as UTC): the audit trail
    filed_by: str  # the account that ran ecotrack
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")  # the import that filed it
    # SPEC §9: filed by a unit while review was required, so it counts only once the office accepts it
    submitted: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    reason: str = Field(default="", sa_column_kwargs={"server_default": ""})  # why it is backdated or a 补报
    catch_up: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # 补报 into a locked period


class ReviewDecisionRecord(SQLModel, table=True):
    """The office's decision on a submitted entry: made once, never changed (append-only, SPEC §9)."""

    __tablename__ = "review_decision"
    __table_args__ = (CheckConstraint("decision IN ('accepted', 'returned')", name="decision_known"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", unique=True)  # an entry is decided once
    decision: str
    reason: str = ""  # required for a return
    refile_by: date | None = None  # a return's 限期重报 deadline (SPEC §16)
    decided_on: date | None = None  # the day it was taken, given with --on (none: the day it was recorded)
    decided_at: datetime
    decided_by: str


class PeriodLockRecord(SQLModel, table=True):
    """One lock or unlock of a period of a plan year by the office (append-only, SPEC §9)."""

    __tablename__ = "period_lock"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    period: str = Field(max_length=7)
    locked: bool  # True: locked; False: unlocked
    reason: str = ""
    at: datetime
    by: str


class ImportBatchRecord(SQLModel, table=True):
    """One import of a file: its fingerprint, so that importing it again is noticed (append-only)."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    file_name: str  # as the clerk named it
    sha256: str = Field(index=True)
    rows: int  # rows in the file
    filed: int  # entries filed: the rows that changed something
    imported_at: datetime
    imported_by: str


class NoticeRecord(SQLModel, table=True):
    """A notice (通报) as issued: its number, evaluation month and the document as circulated."""

    __tablename__ = "notice"
    # One notice per month is checked when it is issued, leaving out voided ones (SPEC §10); the number's
    # uniqueness makes two offices issuing at once collide.
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    document_number: str
    as_of: date
    evaluation_month: str = Field(max_length=7)
    issued_at: datetime
    issued_by: str
    document: str = Field(sa_column=Column(Text, nullable=False))  # Markdown, exactly as circulated
    content: str = Field(sa_column=Column(Text, nullable=False))  # the notice JSON of SPEC §6
    dated: date | None = None  # its 成文日期 (SPEC §16); none recorded: its as-of date


class NoticeItemRecord(SQLModel, table=True):
    """An item: one unit named in a notice, with its count of notices this year (this one included), or one unit
    a matter is assigned to (SPEC §10, §17; one item table for both, so one state machine and one family of
    reports and decisions)."""

    __tablename__ = "notice_item"
    __table_args__ = (
        UniqueConstraint("notice_id", "unit_id"),
        UniqueConstraint("matter_id", "unit_id"),
        CheckConstraint("(notice_id IS NULL) <> (matter_id IS NULL)", name="one_owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int | None = Field(default=None, foreign_key="notice.id", index=True)
    matter_id: int | None = Field(default=None, foreign_key="matter.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    count_this_year: int
    added_reason: str = Field(default="", sa_column_kwargs={"server_default": ""})  # named by the office (SPEC §10)


class MatterRecord(SQLModel, table=True):
    """An assigned matter (交办事项, SPEC §17): a leader's 批示 or a meeting's decision, outside the plan, due on a
    day; its units' items are rows of `notice_item`."""

    __tablename__ = "matter"
    __table_args__ = (
        CheckConstraint("due >= assigned_on", name="due_after_assigned"),
        CheckConstraint("title <> '' AND source <> ''", name="said"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(sa_column=Column(Text, nullable=False))  # who assigned it: a 批示, a meeting
    due: date
    assigned_on: date  # the act's day (--on): the items exist from it
    recorded_at: datetime
    recorded_by: str


class NoticeVoidRecord(SQLModel, table=True):
    """A notice voided by the office: it stays in the record and counts nowhere (SPEC §10)."""

    __tablename__ = "notice_void"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", unique=True)
    reason: str
    voided_at: datetime
    voided_by: str


class NoticeSignatureRecord(SQLModel, table=True):
    """The office signing a notice (签发, SPEC §16): once, on a day; with `require_signature` it counts from then."""

    __tablename__ = "notice_signature"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", unique=True)
    signed_on: date
    signed_at: datetime
    signed_by: str


class RectificationReportRecord(SQLModel, table=True):
    """A named unit's rectification report (整改情况) on its notice item; the latest is the answer."""

    __tablename__ = "rectification_report"

    id: int | None = Field(default=None, primary_key=True)
    notice_item_id: int = Field(foreign_key="notice_item.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    reported_on: date  # the day it counts from (today, or the paper report's date)
    reported_by: str
    filed_at: datetime
    filed_by: str


class RectificationDecisionRecord(SQLModel, table=True):
    """The office closing (销号) a notice item, or returning its answer."""

    __tablename__ = "rectification_decision"
    __table_args__ = (CheckConstraint("action IN ('closed', 'reopened')", name="action_known"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_item_id: int = Field(foreign_key="notice_item.id", index=True)
    action: str
    note: str = ""
    override: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # 销号 not on the data
    decided_on: date
    decided_at: datetime
    decided_by: str


class AttachmentRecord(SQLModel, table=True):
    """A file stored once by its content (SHA-256) for each login that stores it, whatever its name or how
    often it is attached: on a server a clerk reads only its own files (SPEC §13), so it must be able to
    store one that another login stored already without seeing that one."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("sha256", "stored_by"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stored_at: datetime
    stored_by: str = Field(default="", sa_column_kwargs={"server_default": ""})


class AttachmentLinkRecord(SQLModel, table=True):
    """A file attached to one record, under the name it was given: an entry, a rectification report (a notice's or
    an assigned matter's item), an appeal or a request."""

    __tablename__ = "attachment_link"
    __table_args__ = (
        CheckConstraint(
            " + ".join(
                f"(CASE WHEN {owner} IS NULL THEN 0 ELSE 1 END)"
                for owner in ("entry_id", "report_id", "appeal_id", "request_id")
            )
            + " = 1",
            name="one_owner",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    attachment_id: int = Field(foreign_key="attachment.id", index=True)
    name: str
    entry_id: int | None = Field(default=None, foreign_key="entry.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="rectification_report.id", index=True)
    appeal_id: int | None = Field(default=None, foreign_key="appeal.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)


class ScoreAdjustmentRecord(SQLModel, table=True):
    """An office's bonus or deduction item, or a veto (一票否决), for a unit's assessment (SPEC §11)."""

    __tablename__ = "score_adjustment"
    __table_args__ = (CheckConstraint("kind IN ('points', 'veto')", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    kind: str
    points: float = 0.0  # > 0 a bonus, < 0 a deduction; 0 for a veto
    item: str
    basis: str
    recorded_at: datetime
    recorded_by: str


class ScoreVoidRecord(SQLModel, table=True):
    """An adjustment or veto cancelled, with why: it stays in the record and counts for nothing."""

    __tablename__ = "score_void"

    id: int | None = Field(default=None, primary_key=True)
    adjustment_id: int = Field(foreign_key="score_adjustment.id", unique=True)
    reason: str
    voided_at: datetime
    voided_by: str


class FinalAssessmentRecord(SQLModel, table=True):
    """The year's assessment as the committee signs it: every number and explanation, recorded once."""

    __tablename__ = "final_assessment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", unique=True)
    as_of: date
    content: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the assess JSON and each explanation
    recorded_at: datetime
    recorded_by: str


class PublicationRecord(SQLModel, table=True):
    """A publication (公示) of the year's trial result (SPEC §15): every number and explanation as of its date,
    numbered 1.. in the year, with its appeal window (from the day published to `window_closes`, inclusive)."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    as_of: date
    published_on: date  # the act's day (--on): the window opens on it
    window_closes: date  # published_on + appeal_days: the last day an appeal counts
    content: str = Field(sa_column=Column(Text, nullable=False))  # JSON, as the final result keeps it
    published_at: datetime
    published_by: str


class AppealRecord(SQLModel, table=True):
    """A unit's request for review (复核申请) of a publication, filed in its window."""

    __tablename__ = "appeal"

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    filed_on: date  # the act's day (--on): within the publication's window
    filed_at: datetime
    filed_by: str


class AppealDecisionRecord(SQLModel, table=True):
    """The office's decision on an appeal: taken once (the unique appeal_id), never changed."""

    __tablename__ = "appeal_decision"

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", unique=True)
    upheld: bool
    reason: str = Field(sa_column=Column(Text, nullable=False))
    refs: str = "[]"  # JSON list: the ids of the corrections it names (score add, a 补报 entry, a return)
    decided_on: date
    decided_at: datetime
    decided_by: str


class RequestRecord(SQLModel, table=True):
    """A unit's request (SPEC §17): 延期 (extend), 调整 (amount) or 免责 (exempt) of one of its assignments."""

    __tablename__ = "request"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    # codes, not keys: `plan load` may drop a unit or target; the request stays on record (and applies to nothing)
    unit: str = Field(index=True)
    target: str
    kind: str  # extend | amount | exempt
    extend_to: date | None = None  # extend: the new due date (a schedule's new last month)
    amount: float | None = None  # amount: the new amount
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_on: date  # the act's day (--on)
    requested_at: datetime
    requested_by: str


class RequestDecisionRecord(SQLModel, table=True):
    """The office's decision on a request: taken once (the unique request_id), never changed. Approved, it is an
    amendment of the plan in force from `decided_on`, deciding the monthly reports from `from_period` on."""

    __tablename__ = "request_decision"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", unique=True)
    approved: bool
    reason: str = Field(sa_column=Column(Text, nullable=False))
    from_period: str  # YYYY-MM
    decided_on: date
    decided_at: datetime
    decided_by: str


class SupportNoteRecord(SQLModel, table=True):
    """A supporting unit's monthly note on a target it supports (配合单位, SPEC §17, §18): text, no value. Never
    changed: a later note for the same unit, target and period is shown instead, and every one is kept."""

    __tablename__ = "support_note"
    __table_args__ = (Index("ix_support_note_plan_period", "plan_id", "unit", "target", "period", "reported_on", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    # codes, not keys, as a request's: `plan load` may drop the support; the note stays on record
    unit: str
    target: str
    period: str = Field(max_length=7)  # YYYY-MM
    text: str = Field(sa_column=Column(Text, nullable=False))
    reported_by: str
    reported_at: datetime = Field(sa_type=DateTime())  # local time, as given or when filed (naive)
    reported_on: date  # its date, which is all the rules read
    filed_at: datetime  # when ecotrack stored it (aware, stored as UTC)
    filed_by: str
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")  # the import that filed it
    reason: str = ""  # why it is backdated or a 补报
    catch_up: bool = False  # the office's 补报 into a locked period


def id_of(record: UnitRecord | TargetRecord | ImportBatchRecord) -> int:
    """The id of a record that has been flushed."""
    assert record.id is not None, "flushed records have ids"
    return record.id
