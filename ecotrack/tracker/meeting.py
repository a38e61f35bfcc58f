"""The monthly meeting (SPEC §5, §10, §12): who is overdue, the notice, rectification items, chasing, and the
charts' trajectories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session

from ecotrack import rules
from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import t
from ecotrack.lazy import OnFirstUse
from ecotrack.plan import month_of, period_label
from ecotrack.results import (
    IssuedDraft,
    Overdue,
    Publisher,
    RectificationItem,
    Reminder,
    StoredItem,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import entries as entry_store
from ecotrack.storage import rectification as rectification_store
from ecotrack.tracker.base import TrackerBase, utc_now

if TYPE_CHECKING:
    from ecotrack import imports, notices
    from ecotrack.notices import Candidate, Editorial
    from ecotrack.storage import notices as notice_store
else:  # on first use: status, filings and assess never draft a notice nor read a file
    imports = OnFirstUse("ecotrack.imports")
    notices = OnFirstUse("ecotrack.notices")
    notice_store = OnFirstUse("ecotrack.storage.notices")

T = TypeVar("T")


class MeetingDesk(TrackerBase):
    """Overdue units, notices, rectification and reminders."""

    def overdue(self, as_of: date) -> Overdue:
        """The units overdue as of a date, most reasons first (SPEC §5, §10), with the month they are judged by."""
        evaluation = self.evaluate(as_of)
        items = self.read(lambda session: self._overdue_items(session, as_of))
        return Overdue(evaluation.evaluation_month, rules.overdue_units(evaluation, items))

    def evaluation_month(self, as_of: date) -> str | None:
        """The month a notice as of this date would be for (SPEC §5), None before the first."""
        month = rules.evaluation_month(self.plan.year, as_of)
        return period_label(self.plan.year, month) if month is not None else None

    def trajectories(self, as_of: date, assignments: Sequence[tuple[str, str]]) -> list[rules.Trajectory]:
        """The expected line and the filed levels of each (unit, target) as of a date (SPEC §12's charts)."""
        ledger = self.ledger(as_of)
        found = []
        for unit, code in assignments:
            target = self.plan.target(code)
            assignment = target.assignment(unit) if target else None
            if target is None or assignment is None:
                raise BadInput(t("{unit} has no assignment of target {target}", unit=unit, target=code))
            found.append(rules.trajectory(self.plan, target, assignment, ledger.get((unit, code), {}), as_of))
        return found

    def issue_notice(
        self,
        as_of: date,
        language: str,
        *,
        dry_run: bool,
        publish: Publisher | None = None,
        editorial: Editorial | None = None,
    ) -> IssuedDraft | None:
        """Draft, number and record a notice naming the overdue units (SPEC §6 `notice`).

        None when no unit is overdue (nothing is recorded). Refused when there is no evaluation month
        yet, or a notice for this evaluation month exists. Numbering and recording happen in one
        write transaction, so two offices issuing at once cannot take the same number or month.
        `publish` writes the document before that transaction commits (write, then record): when it
        fails nothing is recorded, and when the commit fails what it wrote is taken back.
        """
        month_number = rules.evaluation_month(self.plan.year, as_of)
        if month_number is None:
            raise Refused(
                t(
                    "no notice as of {as_of}: no month of {year} has ended yet",
                    as_of=as_of.isoformat(),
                    year=self.plan.year,
                )
            )
        month = period_label(self.plan.year, month_number)

        if not dry_run:
            self.require_office(t("issuing a notice"))

        def issue(session: Session) -> IssuedDraft | None:
            # Evaluated inside the transaction that records it: the plan and the filings it names
            # units for are the ones on record when it is numbered.
            if not dry_run:
                self._require_same_plan(session)
            ledger = entry_store.ledger(session=session, plan_id=self.stored.id, as_of=as_of)
            evaluation = rules.evaluate(self.plan, ledger, as_of)
            assert evaluation.evaluation_month == month
            overdue_items = self._overdue_items(session, as_of)
            already_named = notice_store.months_named(session=session, plan_id=self.stored.id, as_of=as_of)
            chosen = editorial or notices.Editorial()
            self._check_editorial(notices.candidates(evaluation, overdue_items, already_named), chosen)
            first = notice_store.notice_for_month(session=session, plan_id=self.stored.id, evaluation_month=month)
            if first is not None:
                raise Refused(
                    t(
                        "a notice for {month} was issued already: {number}, on {issued}",
                        month=month,
                        number=first.document_number,
                        issued=first.issued_at.replace("T", " "),
                    )
                )
            notice = notices.draft(
                self.plan,
                as_of,
                evaluation,
                number=notice_store.next_notice_number(session=session, plan_id=self.stored.id),
                # the ladder counts only notices dated on or before this one (SPEC §6), void ones never
                prior_counts=notice_store.notice_counts(session=session, plan_id=self.stored.id, as_of=as_of),
                overdue_items=overdue_items,
                already_named=already_named,
                editorial=chosen,
            )
            if not notice.units:
                return None
            notice = replace(notice, language=language)
            text = notices.document(self.plan, notice)
            if not dry_run:
                notice_store.record_notice(
                    session=session,
                    plan_id=self.stored.id,
                    notice=notice,
                    document=text,
                    issued_at=utc_now(),
                    issued_by=self.recorder(),
                )
            drafted = IssuedDraft(notice, text, recorded=not dry_run)
            if publish is not None:
                take_back.append(publish(drafted))
            return drafted

        take_back: list[Callable[[], None]] = []
        try:
            return self.read(issue) if dry_run else self.write(issue)
        except BaseException:
            for undo in reversed(take_back):
                undo()
            raise

    def _check_editorial(self, found: Sequence[Candidate], editorial: Editorial) -> None:
        """The office leaves out only units the rules name, adds only units they do not, praises none it names."""
        named = {c.overdue.unit for c in found if c.has_reason}
        for unit in editorial.excluded:
            if unit not in named:
                raise BadInput(t("--exclude {unit}: the rules do not name {unit} in this notice", unit=unit))
        for unit in editorial.added:
            if unit in named:
                raise BadInput(t("--add {unit}: the rules name {unit} in this notice already", unit=unit))
        for unit in editorial.commended:
            if (unit in named and unit not in editorial.excluded) or unit in editorial.added:
                raise BadInput(t("--commend {unit}: {unit} is named in this notice", unit=unit))
            if unit in {c.overdue.unit for c in found}:  # praise is for units that are ahead
                raise BadInput(t("--commend {unit}: {unit} is behind or late as of this notice", unit=unit))

    def _overdue_items(self, session: Session, as_of: date) -> dict[str, list[int]]:
        """Per unit, the notices whose rectification item is overdue as of a date (SPEC §10)."""
        overdue: dict[str, list[int]] = {}
        for item in self._items(session, as_of):
            if item.state == "overdue":
                overdue.setdefault(item.unit, []).append(item.notice_number)
        return overdue

    def _items(self, session: Session, as_of: date, unit: str | None = None) -> list[RectificationItem]:
        """The rectification items that exist as of a date (their notice's as-of date on or before it)."""
        found = []
        for stored in rectification_store.items(session=session, plan_id=self.stored.id, unit=unit):
            if stored.notice_as_of > as_of:
                continue
            due = rules.rectification_due(self.plan, stored.notice_as_of)
            # what was done by then: a later answer or decision is not shown as of an earlier date
            stored = replace(stored, steps=[step for step in stored.steps if step.on <= as_of])
            found.append(RectificationItem(stored, due, rules.item_state(due, stored.events, as_of)))
        return found

    def rectifications(self, as_of: date, unit: str | None = None) -> list[RectificationItem]:
        return self.read(lambda session: self._items(session, as_of, unit))

    def _item(self, session: Session, number: int, unit: str) -> StoredItem:
        for stored in rectification_store.items(session=session, plan_id=self.stored.id, unit=unit):
            if stored.notice_number == number:
                return stored
        if not any(n.number == number for n in notice_store.notices(session=session, plan_id=self.stored.id)):
            raise BadInput(t("no notice {number} in {year}", number=number, year=self.plan.year))
        raise BadInput(t("notice {number} does not name {unit} (or it is void)", number=number, unit=unit))

    def _open_item(self, session: Session, number: int, unit: str, on: date) -> StoredItem:
        """The item something is done about on a day: it must exist, not be closed (a close is final), and
        the day may not come before its notice."""
        item = self._item(session, number, unit)
        if on < item.notice_as_of:
            raise BadInput(
                t("--on {on} is before notice {number} ({as_of})", on=on, number=number, as_of=item.notice_as_of)
            )
        if rules.item_state(date.max, item.events, date.max) == "closed":
            raise Refused(t("the item of {unit} in notice {number} is closed", unit=unit, number=number))
        return item

    def rectify(
        self, number: int, unit: str, text: str, attachments: Sequence[tuple[str, bytes]], on: date, by: str
    ) -> None:
        """Record a named unit's rectification report on its item (several may be filed; the latest answers)."""
        filed_by = self.recorder()
        self.require_unit(unit)

        def record(session: Session) -> None:
            filed_at = utc_now()
            item = self._open_item(session, number, unit, on)
            rectification_store.record_report(
                session=session,
                item_id=item.item_id,
                text=text,
                reported_on=on,
                reported_by=by,
                filed_at=filed_at,
                filed_by=filed_by,
                attachments=attachments,
            )

        self.write(record)

    def decide_item(self, number: int, unit: str, action: str, note: str, on: date) -> None:
        """The office closes an item (销号, final) or returns its answer (reopened)."""
        by = self.recorder()
        self.require_office(t("closing or returning a rectification"))

        def record(session: Session) -> None:
            at = utc_now()
            item = self._open_item(session, number, unit, on)
            if action == "reopened" and rules.item_state(date.max, item.events, on) != "answered":
                raise Refused(
                    t("the item of {unit} in notice {number} has no answer to return", unit=unit, number=number)
                )
            rectification_store.record_decision(
                session=session,
                item_id=item.item_id,
                action=action,
                note=note,
                decided_on=on,
                decided_at=at,
                decided_by=by,
            )

        self.write(record)

    def void_notice(self, number: int, reason: str) -> None:
        """Void a notice issued in error: kept, marked void, counting nowhere; its number is never reused."""
        by = self.recorder()
        self.require_office(t("voiding a notice"))

        def record(session: Session) -> None:
            at = utc_now()
            issued = {n.number: n for n in notice_store.notices(session=session, plan_id=self.stored.id)}
            if number not in issued:
                raise BadInput(t("no notice {number} in {year}", number=number, year=self.plan.year))
            voided = issued[number].voided
            if voided is not None:
                raise Refused(
                    t(
                        "notice {number} was voided already, by {by} on {when}",
                        number=number,
                        by=voided.voided_by,
                        when=voided.voided_at.replace("T", " "),
                    )
                )
            notice_store.void_notice(
                session=session, plan_id=self.stored.id, number=number, reason=reason, at=at, by=by
            )

        self.write(record)

    def remind(self, as_of: date, days: int) -> list[Reminder]:
        """SPEC §10 催办: each unit with a monthly report due in D..D+days and not filed, or a rectification item
        due then and not answered, with its contact."""
        evaluation = self.evaluate(as_of)
        last = as_of + timedelta(days=days)
        items = self.rectifications(as_of)
        reminders = []
        for unit_filings in evaluation.filings:
            reports = [
                month
                for month, status in unit_filings.months.items()
                if status == "pending" and as_of <= rules.report_due_date(self.plan, month_of(month)) <= last
            ]
            chased = [
                item
                for item in items
                if item.unit == unit_filings.unit and item.state in ("open", "reopened") and as_of <= item.due <= last
            ]
            if not reports and not chased:
                continue
            dues = [rules.report_due_date(self.plan, month_of(m)) for m in reports] + [i.due for i in chased]
            unit = self.plan.unit(unit_filings.unit)
            assert unit is not None
            reminders.append(Reminder(unit, reports, [i.notice_number for i in chased], min(dues)))
        return reminders
