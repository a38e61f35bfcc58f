"""Items: a notice's (整改, SPEC §10) or an assigned matter's (交办事项, §17), in one table, with the units'
reports and the office's decisions on them, and attachments stored once by their content. Every table here is
append-only."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement
from sqlalchemy import select as select_columns
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from ecotrack.results import AttachedFile, ItemStep, Matter, StoredItem, StoredMatterItem
from ecotrack.rules import ItemEventKind
from ecotrack.storage.entries import local_iso
from ecotrack.storage.models import (
    AssignmentRecord,
    AttachmentLinkRecord,
    AttachmentRecord,
    EntryRecord,
    MatterRecord,
    NoticeItemRecord,
    NoticeRecord,
    NoticeSignatureRecord,
    NoticeVoidRecord,
    RectificationDecisionRecord,
    RectificationReportRecord,
    TargetRecord,
    UnitRecord,
)

# The office's decisions as the rules name them (the table's check constraint allows these two only).
DECISIONS: dict[str, ItemEventKind] = {"closed": "closed", "reopened": "reopened"}


def items(*, session: Session, plan_id: int, unit: str | None = None) -> list[StoredItem]:
    """Every item of the plan year's notices that are not void, by notice then the notice's order."""
    query = (
        select_columns(
            col(NoticeItemRecord.id),
            col(NoticeRecord.number),
            col(NoticeRecord.document_number),
            col(NoticeRecord.as_of),
            col(UnitRecord.code),
            col(UnitRecord.name),
            col(NoticeRecord.dated),
            col(NoticeSignatureRecord.signed_on),
        )
        .join(NoticeRecord, col(NoticeRecord.id) == NoticeItemRecord.notice_id)
        .outerjoin(NoticeSignatureRecord, col(NoticeSignatureRecord.notice_id) == NoticeRecord.id)
        .join(UnitRecord, col(UnitRecord.id) == NoticeItemRecord.unit_id)
        .outerjoin(NoticeVoidRecord, col(NoticeVoidRecord.notice_id) == NoticeRecord.id)
        .where(col(NoticeRecord.plan_id) == plan_id, col(NoticeVoidRecord.id).is_(None))
        .order_by(col(NoticeRecord.number), col(NoticeItemRecord.id))
    )
    if unit is not None:
        query = query.where(col(UnitRecord.code) == unit)
    rows = list(session.execute(query))
    steps = _steps(session, [row[0] for row in rows])
    return [
        StoredItem(item_id, number, document_number, as_of, code, name, steps.get(item_id, []), dated, signed_on)
        for item_id, number, document_number, as_of, code, name, dated, signed_on in rows
    ]


def record_matter(
    *,
    session: Session,
    plan_id: int,
    title: str,
    source: str,
    due: date,
    assigned_on: date,
    units: Sequence[str],
    at: datetime,
    by: str,
) -> int:
    """Record an assigned matter and one item per unit (by code, in the order given); its id."""
    matter = MatterRecord(
        plan_id=plan_id, title=title, source=source, due=due, assigned_on=assigned_on, recorded_at=at, recorded_by=by
    )
    session.add(matter)
    session.flush()
    assert matter.id is not None
    unit_ids = dict(
        session.execute(
            select_columns(col(UnitRecord.code), col(UnitRecord.id)).where(col(UnitRecord.plan_id) == plan_id)
        ).all()
    )
    for code in units:
        session.add(NoticeItemRecord(matter_id=matter.id, unit_id=unit_ids[code], count_this_year=0))
    session.flush()
    return matter.id


def matter_items(*, session: Session, plan_id: int, unit: str | None = None) -> list[StoredMatterItem]:
    """Every item of the plan year's assigned matters, by matter then the order its units were given."""
    query = (
        select_columns(MatterRecord, col(NoticeItemRecord.id), col(UnitRecord.code), col(UnitRecord.name))
        .join(NoticeItemRecord, col(NoticeItemRecord.matter_id) == MatterRecord.id)
        .join(UnitRecord, col(UnitRecord.id) == NoticeItemRecord.unit_id)
        .where(col(MatterRecord.plan_id) == plan_id)
        .order_by(col(MatterRecord.id), col(NoticeItemRecord.id))
    )
    if unit is not None:
        query = query.where(col(UnitRecord.code) == unit)
    rows = list(session.execute(query))
    steps = _steps(session, [row[1] for row in rows])
    matters: dict[int, Matter] = {}
    found = []
    for record, item_id, code, name in rows:
        assert record.id is not None
        matter = matters.setdefault(
            record.id,
            Matter(
                record.id,
                record.title,
                record.source,
                record.due,
                record.assigned_on,
                local_iso(record.recorded_at),
                record.recorded_by,
            ),
        )
        found.append(StoredMatterItem(item_id, matter, code, name, steps.get(item_id, [])))
    return found


def _steps(session: Session, item_ids: list[int]) -> dict[int, list[ItemStep]]:
    """Reports and decisions per item, in the order they were recorded."""
    if not item_ids:
        return {}
    recorded: list[tuple[datetime, int, ItemStep]] = []
    reports = list(
        session.exec(
            select(RectificationReportRecord).where(col(RectificationReportRecord.notice_item_id).in_(item_ids))
        )
    )
    files = _files(session, [r.id for r in reports if r.id is not None])
    for report in reports:
        step = ItemStep(
            "answered",
            report.reported_on,
            report.reported_by,
            local_iso(report.filed_at),
            report.text,
            files.get(report.id or 0, []),
        )
        recorded.append((report.filed_at, report.notice_item_id, step))
    for decision in session.exec(
        select(RectificationDecisionRecord).where(col(RectificationDecisionRecord.notice_item_id).in_(item_ids))
    ):
        step = ItemStep(
            DECISIONS[decision.action],
            decision.decided_on,
            decision.decided_by,
            local_iso(decision.decided_at),
            decision.note,
            override=decision.override,
        )
        recorded.append((decision.decided_at, decision.notice_item_id, step))
    steps: dict[int, list[ItemStep]] = {}
    # in the order they take effect: by their dates, and of one date in the order recorded
    for _, item_id, step in sorted(recorded, key=lambda r: (r[2].on, _naive(r[0]))):
        steps.setdefault(item_id, []).append(step)
    return steps


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def _files(session: Session, report_ids: list[int]) -> dict[int, list[AttachedFile]]:
    """The files attached to rectification reports, per report."""
    return _attached(session, col(AttachmentLinkRecord.report_id), col(AttachmentLinkRecord.report_id).in_(report_ids))


def entry_files(*, session: Session, plan_id: int) -> dict[int, list[AttachedFile]]:
    """The files attached to the plan year's entries, per entry."""
    in_plan = col(AttachmentLinkRecord.entry_id).in_(
        select_columns(col(EntryRecord.id))
        .join(AssignmentRecord, col(AssignmentRecord.id) == EntryRecord.assignment_id)
        .join(TargetRecord, col(TargetRecord.id) == AssignmentRecord.target_id)
        .where(col(TargetRecord.plan_id) == plan_id)
    )
    return _attached(session, col(AttachmentLinkRecord.entry_id), in_plan)


def _attached(session: Session, owner: Mapped[int | None], where: ColumnElement[bool]) -> dict[int, list[AttachedFile]]:
    """Attached files per owner (an entry or a report), in the order attached."""
    rows = session.execute(
        select_columns(owner, col(AttachmentLinkRecord.name), col(AttachmentRecord.size), col(AttachmentRecord.sha256))
        .join(AttachmentRecord, col(AttachmentRecord.id) == AttachmentLinkRecord.attachment_id)
        .where(where)
        .order_by(col(AttachmentLinkRecord.id))
    )
    files: dict[int, list[AttachedFile]] = {}
    for owner_id, name, size, sha256 in rows:
        files.setdefault(owner_id, []).append(AttachedFile(name, size, sha256))
    return files


def record_report(
    *,
    session: Session,
    item_id: int,
    text: str,
    reported_on: date,
    reported_by: str,
    filed_at: datetime,
    filed_by: str,
    attachments: Sequence[tuple[str, bytes]],
) -> None:
    report = RectificationReportRecord(
        notice_item_id=item_id,
        text=text,
        reported_on=reported_on,
        reported_by=reported_by,
        filed_at=filed_at,
        filed_by=filed_by,
    )
    session.add(report)
    session.flush()
    for name, content in attachments:
        attachment_id = _stored(session, content, filed_at, filed_by)
        session.add(AttachmentLinkRecord(attachment_id=attachment_id, name=name, report_id=report.id))
    session.flush()


def attach_to_entries(
    *, session: Session, entry_ids: Sequence[int], attachments: Sequence[tuple[str, bytes]], at: datetime, by: str
) -> None:
    for name, content in attachments:
        attachment_id = _stored(session, content, at, by)
        for entry_id in entry_ids:
            session.add(AttachmentLinkRecord(attachment_id=attachment_id, name=name, entry_id=entry_id))
    session.flush()


def attach_to(
    *,
    session: Session,
    appeal_id: int | None = None,
    request_id: int | None = None,
    attachments: Sequence[tuple[str, bytes]],
    at: datetime,
    by: str,
) -> None:
    """Attach files to an appeal or a request (SPEC §15, §17)."""
    for name, content in attachments:
        attachment_id = _stored(session, content, at, by)
        session.add(
            AttachmentLinkRecord(attachment_id=attachment_id, name=name, appeal_id=appeal_id, request_id=request_id)
        )
    session.flush()


def appeal_files(*, session: Session, appeal_ids: Sequence[int]) -> dict[int, list[AttachedFile]]:
    """The files attached to appeals, per appeal."""
    return _attached(session, col(AttachmentLinkRecord.appeal_id), col(AttachmentLinkRecord.appeal_id).in_(appeal_ids))


def request_files(*, session: Session, request_ids: Sequence[int]) -> dict[int, list[AttachedFile]]:
    """The files attached to requests, per request."""
    return _attached(
        session, col(AttachmentLinkRecord.request_id), col(AttachmentLinkRecord.request_id).in_(request_ids)
    )


class TamperedAttachment(Exception):
    """A stored file whose bytes are not those its SHA-256 names: written past ecotrack (SPEC §10)."""

    def __init__(self, sha256: str) -> None:
        super().__init__(sha256)
        self.sha256 = sha256


def _stored(session: Session, content: bytes, at: datetime, by: str) -> int:
    """The attachment holding `content`, stored now unless the same bytes are stored already where this
    login can read them. A stored row under the same SHA-256 with other bytes is refused, never reused."""
    sha256 = hashlib.sha256(content).hexdigest()
    found = session.execute(
        select_columns(col(AttachmentRecord.id), col(AttachmentRecord.content))
        .where(col(AttachmentRecord.sha256) == sha256)
        .order_by(col(AttachmentRecord.id))
        .limit(1)
    ).first()
    if found is not None:
        if bytes(found.content) != content:
            raise TamperedAttachment(sha256)
        return int(found.id)
    record = AttachmentRecord(sha256=sha256, size=len(content), content=content, stored_at=at, stored_by=by)
    session.add(record)
    session.flush()
    assert record.id is not None
    return record.id


def attachment(*, session: Session, sha256: str) -> bytes | None:
    """An attachment's bytes by its SHA-256 (any attachment this login may read: files are stored by content),
    checked against it; None when there is none."""
    found = session.exec(select(AttachmentRecord.content).where(AttachmentRecord.sha256 == sha256)).first()
    if found is not None and hashlib.sha256(found).hexdigest() != sha256:
        raise TamperedAttachment(sha256)
    return found


def record_decision(
    *,
    session: Session,
    item_id: int,
    action: str,
    note: str,
    decided_on: date,
    decided_at: datetime,
    decided_by: str,
    override: bool = False,
) -> None:
    session.add(
        RectificationDecisionRecord(
            notice_item_id=item_id,
            action=action,
            note=note,
            override=override,
            decided_on=decided_on,
            decided_at=decided_at,
            decided_by=decided_by,
        )
    )
    session.flush()
