"""Requests (延期, 调整, 免责) and the office's decisions on them (SPEC §17, §18): an approved request is an
amendment of the plan, in force from the day decided; the plan file is never rewritten."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import t, tp
from ecotrack.plan import period_label
from ecotrack.results import RequestKind, StoredRequest
from ecotrack.storage import requests as request_store
from ecotrack.tracker.base import TrackerBase, utc_now


class RequestDesk(TrackerBase):
    """A unit's requests about its assignments, and the office's decisions."""

    def requests(self, unit: str | None = None) -> list[StoredRequest]:
        return self.read(lambda session: request_store.requests(session=session, plan_id=self.stored.id, unit=unit))

    def request(
        self,
        unit: str,
        target: str,
        kind: RequestKind,
        reason: str,
        on: date,
        *,
        extend_to: date | None = None,
        amount: float | None = None,
        dated: bool,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> int:
        """Record a unit's request about one of its assignments on `on` (`dated`: given after the fact, the
        office's only); its id."""
        by = self.recorder()
        self.require_unit(unit)
        if dated:
            self.require_office("--on")
        found = self.plan.target(target)
        if found is None or found.assignment(unit) is None:
            raise BadInput(
                t("{unit} is not assigned target {target}: there is nothing to request", unit=unit, target=target)
            )
        if extend_to is not None and extend_to.year < self.plan.year:
            raise BadInput(t("--extend-to {day} is before the plan year {year}", day=extend_to, year=self.plan.year))
        if amount is not None:
            if found.is_milestone:
                raise BadInput(t("target {target} is a milestone: it has no amount to change", target=target))
            if abs(amount - found.baseline) < 1e-9:
                raise BadInput(
                    t("--amount {amount} is target {target}'s baseline: use --exempt", amount=amount, target=target)
                )

        def record(session: Session) -> int:
            at = utc_now()
            self._require_same_plan(session)
            return request_store.record_request(
                session=session,
                plan_id=self.stored.id,
                unit=unit,
                target=target,
                kind=kind,
                extend_to=extend_to,
                amount=amount,
                reason=reason,
                on=on,
                at=at,
                by=by,
                attachments=attachments,
            )

        return self.write(record)

    def decide_request(
        self, request_id: int, approved: bool, reason: str, from_period: str | None, on: date
    ) -> StoredRequest:
        """The office approves or rejects a request, once, on `on`; approved, it amends the plan from
        `from_period` (default: the month of `on`)."""
        by = self.recorder()
        self.require_office(t("deciding a request"))
        chosen = from_period or period_label(on.year, on.month)

        def record(session: Session) -> StoredRequest:
            at = utc_now()
            found = {r.id: r for r in request_store.requests(session=session, plan_id=self.stored.id)}
            if request_id not in found:
                raise BadInput(t("no request #{id} in {year}", id=request_id, year=self.plan.year))
            request = found[request_id]
            if request.decision is not None:
                raise Refused(
                    t(
                        "request #{id} was decided already ({state} on {on}, by {by}); a decision is not changed",
                        id=request_id,
                        state=tp("request", "approved") if request.decision.approved else tp("request", "rejected"),
                        on=request.decision.decided_on,
                        by=request.decision.decided_by,
                    )
                )
            if on < request.requested_on:
                raise BadInput(
                    t(
                        "--on {on} is before request #{id} was made ({made})",
                        on=on,
                        id=request_id,
                        made=request.requested_on,
                    )
                )
            request_store.record_decision(
                session=session,
                request_id=request_id,
                approved=approved,
                reason=reason,
                from_period=chosen,
                on=on,
                at=at,
                by=by,
            )
            return request

        return self.write(record)

    def amendments_kept(self) -> int:
        """How many approved requests of the year there are (a plan loaded again keeps them)."""
        return sum(1 for r in self.requests() if r.decision is not None and r.decision.approved)
