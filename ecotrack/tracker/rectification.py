"""Items (SPEC §10, §17): a notice's rectification (整改) or an assigned matter (交办事项), as of a date, the units'
reports on them, the office closing or returning them, and chasing (催办) what falls due. Both kinds are rows of
one item table with one family of reports and decisions, and one state machine (`rules.item_state`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session

from ecotrack import rules
from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import t, tp
from ecotrack.lazy import OnFirstUse
from ecotrack.plan import month_of
from ecotrack.results import (
    Matter,
    MatterItem,
    RectificationItem,
    Reminder,
    StoredItem,
    StoredMatterItem,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import rectification as rectification_store
from ecotrack.storage import review as review_store
from ecotrack.tracker.base import TrackerBase, utc_now

if TYPE_CHECKING:
    from ecotrack.storage import notices as notice_store
else:  # on first use: status, filings and assess never draft a notice nor read a file
    notice_store = OnFirstUse("ecotrack.storage.notices")

T = TypeVar("T")


class RectificationDesk(TrackerBase):
    """Rectification items, assigned matters, reports, decisions and reminders."""

    def _outstanding(self, session: Session, as_of: date) -> rules.Outstanding:
        """Per unit, what is overdue as of a date besides the monthly figures: rectification items, refiles and
        assigned matters (SPEC §10, §16, §17)."""
        matters: dict[str, list[int]] = {}
        for item in self._matter_items(session, as_of):
            if item.state == "overdue":
                matters.setdefault(item.unit, []).append(item.matter.id)
        names = {u.code: u.name for u in self.plan.units}
        in_order = {code: matters[code] for code in names if code in matters}  # plan order
        return rules.Outstanding(
            self._overdue_items(session, as_of),
            self._overdue_refiles(session, as_of),
            in_order,
            {code: names[code] for code in in_order},
        )

    def _overdue_items(self, session: Session, as_of: date) -> dict[str, list[int]]:
        """Per unit, the notices whose rectification item is overdue as of a date (SPEC §10)."""
        overdue: dict[str, list[int]] = {}
        for item in self._items(session, as_of):
            if item.state == "overdue":
                overdue.setdefault(item.unit, []).append(item.notice_number)
        return overdue

    def _overdue_refiles(self, session: Session, as_of: date) -> dict[str, list[int]]:
        """Per unit, the returned entries not refiled by their deadline as of a date (SPEC §16)."""
        return rules.overdue_refiles(review_store.refiles(session=session, plan_id=self.stored.id), as_of)

    def _items(self, session: Session, as_of: date, unit: str | None = None) -> list[RectificationItem]:
        """The rectification items that exist as of a date: their notice counts by then (from its as-of date, or
        once signed where signatures are required), each due `rectify_days` after its notice's 成文日期."""
        found = []
        for stored in rectification_store.items(session=session, plan_id=self.stored.id, unit=unit):
            counts_from = rules.notice_counts_from(self.plan, stored.notice_as_of, stored.notice_signed_on)
            if not rules.counts_by(counts_from, as_of):
                continue
            due = rules.rectification_due(self.plan, stored.notice_dated or stored.notice_as_of)
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
        counts_from = rules.notice_counts_from(self.plan, item.notice_as_of, item.notice_signed_on)
        if counts_from is None:
            raise Refused(
                t("notice {number} is not signed yet: its items count once it is", number=item.document_number),
                hint=t("`ecotrack notices sign {number}` records the signature", number=number),
            )
        if on < counts_from:
            raise BadInput(
                t(
                    "--on {on} is before notice {number} was signed ({signed})",
                    on=on,
                    number=item.document_number,
                    signed=counts_from.isoformat(),
                )
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

    def decide_item(self, number: int, unit: str, action: str, note: str, on: date, *, override: bool = False) -> None:
        """The office closes an item (销号, final) or returns its answer (reopened). A close is refused while a
        reason the notice named the unit for is not cured as of its day (SPEC §16), unless `override`, which
        is recorded with it."""
        by = self.recorder()
        self.require_office(t("closing or returning a rectification"))

        def record(session: Session) -> None:
            at = utc_now()
            item = self._open_item(session, number, unit, on)
            if action == "reopened" and rules.item_state(date.max, item.events, on) != "answered":
                raise Refused(
                    t("the item of {unit} in notice {number} has no answer to return", unit=unit, number=number)
                )
            if action == "closed" and not override:
                left = self._uncured(session, item, on)
                if left:
                    raise Refused(
                        t(
                            "the item of {unit} in notice {number} is not cured as of {on}: {what}",
                            unit=unit,
                            number=item.document_number,
                            on=on.isoformat(),
                            what=_uncured(left, self.document_numbers_in(session), self._matters_by_id(session)),
                        ),
                        hint=t("`--override --note TEXT` closes it anyway, recorded as an override"),
                    )
            rectification_store.record_decision(
                session=session,
                item_id=item.item_id,
                action=action,
                note=note,
                decided_on=on,
                decided_at=at,
                decided_by=by,
                override=override,
            )

        self.write(record)

    def _uncured(self, session: Session, item: StoredItem, on: date) -> rules.Uncured:
        """What the notice named the item's unit for that the data does not show cured as of a day (SPEC §18)."""
        issued = notice_store.notices(session=session, plan_id=self.stored.id)
        notice = next(n for n in issued if n.number == item.notice_number).notice
        named = next((u for u in notice.units if u.unit == item.unit), None)
        if named is None:  # pragma: no cover - an item is one of its notice's units
            return rules.Uncured([], [], [], [], [])
        states = {i.notice_number: i.state for i in self._items(session, on, item.unit)}
        matter_states = {i.matter.id: i.state for i in self._matter_items(session, on, item.unit)}
        return rules.uncured(
            item.unit,
            self.evaluate_in(session, on),
            months=[*named.missing_reports, *named.still_not_filed],
            targets=[row.target for row in named.behind],
            notices={n: states[n] for n in named.rectification_overdue if n in states},
            refiles=named.refile_overdue,
            refiles_overdue=self._overdue_refiles(session, on).get(item.unit, []),
            matters={m: matter_states[m] for m in named.matters_overdue if m in matter_states},
        )

    # --- assigned matters (交办事项, SPEC §17) ------------------------------------------------------------

    def _matter_items(self, session: Session, as_of: date, unit: str | None = None) -> list[MatterItem]:
        """The matters' items that exist as of a date (assigned by then), with what was done about them by then."""
        found = []
        for stored in rectification_store.matter_items(session=session, plan_id=self.stored.id, unit=unit):
            if stored.matter.assigned_on > as_of:
                continue
            stored = replace(stored, steps=[step for step in stored.steps if step.on <= as_of])
            found.append(MatterItem(stored, rules.item_state(stored.matter.due, stored.events, as_of)))
        return found

    def _matters_by_id(self, session: Session) -> dict[int, Matter]:
        items = rectification_store.matter_items(session=session, plan_id=self.stored.id)
        return {item.matter.id: item.matter for item in items}

    def matters(self, as_of: date, unit: str | None = None) -> list[MatterItem]:
        return self.read(lambda session: self._matter_items(session, as_of, unit))

    def add_matter(self, title: str, source: str, units: Sequence[str], due: date, on: date) -> int:
        """The office records a matter assigned outside the plan on `on`, due on `due`, one item per unit; its id."""
        by = self.recorder()
        self.require_office(t("assigning a matter"))
        twice = sorted({code for code in units if units.count(code) > 1})
        if twice:
            raise BadInput(t("--unit {units} is given twice", units=", ".join(twice)))
        if due < on:
            raise BadInput(t("--due {due} is before the day it is assigned ({on})", due=due, on=on.isoformat()))

        def record(session: Session) -> int:
            at = utc_now()
            self._require_same_plan(session)
            return rectification_store.record_matter(
                session=session,
                plan_id=self.stored.id,
                title=title,
                source=source,
                due=due,
                assigned_on=on,
                units=units,
                at=at,
                by=by,
            )

        return self.write(record)

    def _open_matter_item(self, session: Session, matter_id: int, unit: str, on: date) -> StoredMatterItem:
        """A matter's item something is done about on a day: it exists, is not closed, and the day is not before
        the matter was assigned."""
        items = rectification_store.matter_items(session=session, plan_id=self.stored.id)
        of_matter = [item for item in items if item.matter.id == matter_id]
        if not of_matter:
            raise BadInput(t("no assigned matter #{id} in {year}", id=matter_id, year=self.plan.year))
        item = next((i for i in of_matter if i.unit == unit), None)
        if item is None:
            raise BadInput(t("matter #{id} is not assigned to {unit}", id=matter_id, unit=unit))
        if on < item.matter.assigned_on:
            raise BadInput(
                t(
                    "--on {on} is before matter #{id} was assigned ({assigned})",
                    on=on,
                    id=matter_id,
                    assigned=item.matter.assigned_on,
                )
            )
        if rules.item_state(date.max, item.events, date.max) == "closed":
            raise Refused(t("the item of {unit} in matter #{id} is closed", unit=unit, id=matter_id))
        return item

    def report_matter(
        self,
        matter_id: int,
        unit: str,
        text: str,
        attachments: Sequence[tuple[str, bytes]],
        on: date,
        by: str,
        *,
        dated: bool,
    ) -> None:
        """Record a unit's report on its item of an assigned matter (the latest answers it); `dated`: given
        after the fact, the office's only (SPEC §18)."""
        filed_by = self.recorder()
        self.require_unit(unit)
        if dated:
            self.require_office("--on")

        def record(session: Session) -> None:
            filed_at = utc_now()
            item = self._open_matter_item(session, matter_id, unit, on)
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

    def decide_matter(
        self, matter_id: int, unit: str, action: str, note: str, on: date, *, override: bool = False
    ) -> None:
        """The office closes a unit's item of a matter (final) once it is answered, or returns its answer. A close
        without an answer needs `override`, which is recorded with it."""
        by = self.recorder()
        self.require_office(t("closing or returning an assigned matter"))

        def record(session: Session) -> None:
            at = utc_now()
            item = self._open_matter_item(session, matter_id, unit, on)
            answered = rules.item_state(date.max, item.events, on) == "answered"
            if action == "reopened" and not answered:
                raise Refused(t("the item of {unit} in matter #{id} has no answer to return", unit=unit, id=matter_id))
            if action == "closed" and not answered and not override:
                raise Refused(
                    t("the item of {unit} in matter #{id} is not answered as of {on}", unit=unit, id=matter_id, on=on),
                    hint=t("`--override --note TEXT` closes it anyway, recorded as an override"),
                )
            rectification_store.record_decision(
                session=session,
                item_id=item.item_id,
                action=action,
                note=note,
                decided_on=on,
                decided_at=at,
                decided_by=by,
                override=override,
            )

        self.write(record)

    def document_numbers_in(self, session: Session) -> dict[int, str]:
        """Each notice's number in the year → the document number it was issued with."""
        return {n.number: n.document_number for n in notice_store.notices(session=session, plan_id=self.stored.id)}

    def remind(self, as_of: date, days: int) -> list[Reminder]:
        """SPEC §10 催办: each unit with a monthly report due in D..D+days and not filed, or a rectification item
        due then and not answered, with its contact."""
        evaluation = self.evaluate(as_of)
        last = as_of + timedelta(days=days)
        items = self.rectifications(as_of)
        matter_items = self.matters(as_of)
        documents = {item.notice_number: item.stored.document_number for item in items}
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
            matters = [i.matter for i in matter_items if i.unit == unit_filings.unit and _due_within(i, as_of, last)]
            if not reports and not chased and not matters:
                continue
            dues = [rules.report_due_date(self.plan, month_of(m)) for m in reports] + [i.due for i in chased]
            unit = self.plan.unit(unit_filings.unit)
            assert unit is not None
            numbers = [i.notice_number for i in chased]
            earliest = min([*dues, *(m.due for m in matters)])
            reminders.append(Reminder(unit, reports, numbers, earliest, [documents[n] for n in numbers], matters))
        filing = {f.unit for f in evaluation.filings}
        for unit in self.plan.units:  # a unit that files nothing may still be assigned a matter
            matters = [i.matter for i in matter_items if i.unit == unit.code and _due_within(i, as_of, last)]
            if unit.code not in filing and matters:
                reminders.append(Reminder(unit, [], [], min(m.due for m in matters), [], matters))
        return reminders


def _due_within(item: MatterItem, first: date, last: date) -> bool:
    """A matter's item to chase: not answered, due in first..last."""
    return item.state in ("open", "reopened") and first <= item.due <= last


def _uncured(left: rules.Uncured, documents: dict[int, str], matters: dict[int, Matter]) -> str:
    """What is not cured, in words: the months, targets, notices, entries and matters."""
    parts = []
    if left.months:
        parts.append(t("months not filed {months}", months=", ".join(left.months)))
    if left.targets:
        parts.append(t("targets still behind {targets}", targets=", ".join(left.targets)))
    if left.notices:
        numbers = ", ".join(documents.get(n, str(n)) for n in left.notices)
        parts.append(t("rectification of {numbers} not answered", numbers=numbers))
    if left.refiles:
        parts.append(t("returned entries not refiled {entries}", entries=", ".join(f"#{n}" for n in left.refiles)))
    if left.matters:
        titles = ", ".join(f"#{m} {matters[m].title}" if m in matters else f"#{m}" for m in left.matters)
        parts.append(t("assigned matters not answered {matters}", matters=titles))
    return tp("list separator", "; ").join(parts)
