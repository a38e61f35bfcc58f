"""Requests (延期, 调整, 免责, SPEC §17) and the office's decisions on them. Both tables are append-only; a
request's decision is unique in the database, so two offices deciding at once collide rather than both succeed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import cast

from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from ecotrack.results import RequestDecision, RequestKind, StoredRequest
from ecotrack.storage.entries import local_iso
from ecotrack.storage.models import RequestDecisionRecord, RequestRecord
from ecotrack.storage.rectification import attach_to, request_files


def requests(*, session: Session, plan_id: int, unit: str | None = None) -> list[StoredRequest]:
    """The plan year's requests (of one unit), oldest first, each with its decision if taken."""
    query = (
        select_columns(RequestRecord, RequestDecisionRecord)
        .outerjoin(RequestDecisionRecord, col(RequestDecisionRecord.request_id) == RequestRecord.id)
        .where(col(RequestRecord.plan_id) == plan_id)
        .order_by(col(RequestRecord.id))
    )
    if unit is not None:
        query = query.where(col(RequestRecord.unit) == unit)
    found = []
    for record, decision in session.execute(query):
        assert record.id is not None
        found.append(
            StoredRequest(
                id=record.id,
                unit=record.unit,
                target=record.target,
                kind=cast(RequestKind, record.kind),
                extend_to=record.extend_to,
                amount=record.amount,
                reason=record.reason,
                requested_on=record.requested_on,
                requested_at=local_iso(record.requested_at),
                requested_by=record.requested_by,
                decision=RequestDecision(
                    id=decision.id,
                    approved=decision.approved,
                    reason=decision.reason,
                    from_period=decision.from_period,
                    decided_on=decision.decided_on,
                    decided_at=local_iso(decision.decided_at),
                    decided_by=decision.decided_by,
                )
                if decision is not None
                else None,
            )
        )
    files = request_files(session=session, request_ids=[r.id for r in found])
    return [replace(r, attachments=files.get(r.id, [])) for r in found]


def record_request(
    *,
    session: Session,
    plan_id: int,
    unit: str,
    target: str,
    kind: RequestKind,
    extend_to: date | None,
    amount: float | None,
    reason: str,
    on: date,
    at: datetime,
    by: str,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> int:
    record = RequestRecord(
        plan_id=plan_id,
        unit=unit,
        target=target,
        kind=kind,
        extend_to=extend_to,
        amount=amount,
        reason=reason,
        requested_on=on,
        requested_at=at,
        requested_by=by,
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    attach_to(session=session, request_id=record.id, attachments=attachments, at=at, by=by)
    return record.id


def record_decision(
    *,
    session: Session,
    request_id: int,
    approved: bool,
    reason: str,
    from_period: str,
    on: date,
    at: datetime,
    by: str,
) -> None:
    session.add(
        RequestDecisionRecord(
            request_id=request_id,
            approved=approved,
            reason=reason,
            from_period=from_period,
            decided_on=on,
            decided_at=at,
            decided_by=by,
        )
    )
    session.flush()
