"""公示, 复核, 审定 (SPEC §15): the year's publications of its trial result, the units' appeals and the office's
decisions. Every table here is append-only; a publication's number and an appeal's decision are unique in the
database, so two offices publishing or deciding at once collide rather than both succeed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ecotrack.results import AppealDecision, StoredAppeal, StoredPublication
from ecotrack.storage.entries import local_iso
from ecotrack.storage.models import AppealDecisionRecord, AppealRecord, PublicationRecord, UnitRecord
from ecotrack.storage.rectification import appeal_files, attach_to


def publications(*, session: Session, plan_id: int) -> list[StoredPublication]:
    """Every publication of the plan year, in number order."""
    records = session.exec(
        select(PublicationRecord).where(PublicationRecord.plan_id == plan_id).order_by(col(PublicationRecord.number))
    )
    return [
        StoredPublication(
            number=r.number,
            as_of=r.as_of,
            published_on=r.published_on,
            window_closes=r.window_closes,
            content=json.loads(r.content),
            published_at=local_iso(r.published_at),
            published_by=r.published_by,
        )
        for r in records
    ]


def record_publication(
    *,
    session: Session,
    plan_id: int,
    number: int,
    as_of: date,
    published_on: date,
    window_closes: date,
    content: dict[str, Any],
    at: datetime,
    by: str,
) -> None:
    session.add(
        PublicationRecord(
            plan_id=plan_id,
            number=number,
            as_of=as_of,
            published_on=published_on,
            window_closes=window_closes,
            content=json.dumps(content, ensure_ascii=False),
            published_at=at,
            published_by=by,
        )
    )
    session.flush()


def appeals(*, session: Session, plan_id: int, unit: str | None = None) -> list[StoredAppeal]:
    """The plan year's appeals (of one unit), oldest first, each with its decision if taken."""
    query = (
        select_columns(AppealRecord, col(UnitRecord.code), col(PublicationRecord.number), AppealDecisionRecord)
        .join(UnitRecord, col(UnitRecord.id) == AppealRecord.unit_id)
        .join(PublicationRecord, col(PublicationRecord.id) == AppealRecord.publication_id)
        .outerjoin(AppealDecisionRecord, col(AppealDecisionRecord.appeal_id) == AppealRecord.id)
        .where(col(PublicationRecord.plan_id) == plan_id)
        .order_by(col(AppealRecord.id))
    )
    if unit is not None:
        query = query.where(col(UnitRecord.code) == unit)
    found = []
    for record, code, number, decision in session.execute(query):
        assert record.id is not None
        found.append(
            StoredAppeal(
                id=record.id,
                unit=code,
                publication=number,
                text=record.text,
                filed_on=record.filed_on,
                filed_at=local_iso(record.filed_at),
                filed_by=record.filed_by,
                decision=AppealDecision(
                    upheld=decision.upheld,
                    reason=decision.reason,
                    refs=tuple(json.loads(decision.refs)),
                    decided_on=decision.decided_on,
                    decided_at=local_iso(decision.decided_at),
                    decided_by=decision.decided_by,
                )
                if decision is not None
                else None,
            )
        )
    files = appeal_files(session=session, appeal_ids=[a.id for a in found])
    return [replace(a, attachments=files.get(a.id, [])) for a in found]


def record_appeal(
    *,
    session: Session,
    plan_id: int,
    publication: int,
    unit: str,
    text: str,
    on: date,
    at: datetime,
    by: str,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> int:
    publication_id = session.exec(
        select(PublicationRecord.id).where(
            PublicationRecord.plan_id == plan_id, PublicationRecord.number == publication
        )
    ).one()
    unit_id = session.exec(select(UnitRecord.id).where(UnitRecord.plan_id == plan_id, UnitRecord.code == unit)).one()
    assert publication_id is not None and unit_id is not None
    record = AppealRecord(
        publication_id=publication_id, unit_id=unit_id, text=text, filed_on=on, filed_at=at, filed_by=by
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    attach_to(session=session, appeal_id=record.id, attachments=attachments, at=at, by=by)
    return record.id


def record_decision(
    *,
    session: Session,
    appeal_id: int,
    upheld: bool,
    reason: str,
    refs: tuple[str, ...],
    on: date,
    at: datetime,
    by: str,
) -> None:
    session.add(
        AppealDecisionRecord(
            appeal_id=appeal_id,
            upheld=upheld,
            reason=reason,
            refs=json.dumps(list(refs), ensure_ascii=False),
            decided_on=on,
            decided_at=at,
            decided_by=by,
        )
    )
    session.flush()
