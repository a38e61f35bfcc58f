"""Issued notices and their items: the items are the one record of who a notice names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ecotrack.notices import Notice
from ecotrack.storage.entries import local_iso
from ecotrack.storage.models import (
    NoticeItemRecord,
    NoticeRecord,
    UnitRecord,
)

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
