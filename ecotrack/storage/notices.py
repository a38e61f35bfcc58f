"""Issued notices and their items: the items are the one record of who a notice names."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ecotrack.notices import Notice
from ecotrack.results import IssuedNotice, NamedUnit, Signed, Voided
from ecotrack.storage.entries import local_iso
from ecotrack.storage.models import (
    NoticeItemRecord,
    NoticeRecord,
    NoticeSignatureRecord,
    NoticeVoidRecord,
    UnitRecord,
)

# --- notices --------------------------------------------------------------------------------------


def _issued(
    record: NoticeRecord, named: list[NamedUnit], voided: Voided | None = None, signed: Signed | None = None
) -> IssuedNotice:
    return IssuedNotice(
        voided=voided,
        signed=signed,
        dated=record.dated,
        number=record.number,
        document_number=record.document_number,
        as_of=record.as_of,
        evaluation_month=record.evaluation_month,
        issued_at=local_iso(record.issued_at),
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
            col(NoticeItemRecord.added_reason),
        )
        .join(UnitRecord, col(UnitRecord.id) == NoticeItemRecord.unit_id)
        .where(col(NoticeItemRecord.notice_id).in_(notice_ids))
        .order_by(col(NoticeItemRecord.id))
    )
    named: dict[int, list[NamedUnit]] = {}
    for notice_id, unit, unit_name, count, added_reason in rows:
        named.setdefault(notice_id, []).append(NamedUnit(unit, unit_name, count, added_reason))
    return named


def _voids(session: Session, notice_ids: list[int]) -> dict[int, Voided]:
    return {
        record.notice_id: Voided(record.reason, local_iso(record.voided_at), record.voided_by)
        for record in session.exec(select(NoticeVoidRecord).where(col(NoticeVoidRecord.notice_id).in_(notice_ids)))
    }


def _signatures(session: Session, notice_ids: list[int]) -> dict[int, Signed]:
    return {
        record.notice_id: Signed(record.signed_on, local_iso(record.signed_at), record.signed_by)
        for record in session.exec(
            select(NoticeSignatureRecord).where(col(NoticeSignatureRecord.notice_id).in_(notice_ids))
        )
    }


def sign_notice(*, session: Session, plan_id: int, number: int, on: date, at: datetime, by: str) -> None:
    """Record the office's signature (签发) of a notice; the database refuses a second one."""
    notice_id = session.exec(
        select(NoticeRecord.id).where(NoticeRecord.plan_id == plan_id, NoticeRecord.number == number)
    ).one()
    assert notice_id is not None
    session.add(NoticeSignatureRecord(notice_id=notice_id, signed_on=on, signed_at=at, signed_by=by))
    session.flush()


def notices(*, session: Session, plan_id: int) -> list[IssuedNotice]:
    """The notices of a plan year, oldest first."""
    records = list(
        session.exec(select(NoticeRecord).where(NoticeRecord.plan_id == plan_id).order_by(col(NoticeRecord.number)))
    )
    ids = [record.id for record in records if record.id is not None]
    named, voids, signed = _named_units(session, ids), _voids(session, ids), _signatures(session, ids)
    return [
        _issued(record, named.get(record.id or 0, []), voids.get(record.id or 0), signed.get(record.id or 0))
        for record in records
    ]


def notice_for_month(*, session: Session, plan_id: int, evaluation_month: str) -> IssuedNotice | None:
    """The notice in force for an evaluation month (a voided one does not stand in the way of another)."""
    for notice in notices(session=session, plan_id=plan_id):
        if notice.evaluation_month == evaluation_month and notice.voided is None:
            return notice
    return None


def void_notice(*, session: Session, plan_id: int, number: int, reason: str, at: datetime, by: str) -> None:
    notice_id = session.exec(
        select(NoticeRecord.id).where(NoticeRecord.plan_id == plan_id, NoticeRecord.number == number)
    ).one()
    assert notice_id is not None
    session.add(NoticeVoidRecord(notice_id=notice_id, reason=reason, voided_at=at, voided_by=by))
    session.flush()


def next_notice_number(*, session: Session, plan_id: int) -> int:
    highest = session.exec(select(func.max(NoticeRecord.number)).where(NoticeRecord.plan_id == plan_id)).one()
    return (highest or 0) + 1


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
        dated=notice.dated,
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
            NoticeItemRecord(
                notice_id=record.id,
                unit_id=unit_ids[item.unit],
                count_this_year=item.count_this_year,
                added_reason=item.added_reason,
            )
        )
    session.flush()
