"""The monthly meeting (SPEC §5, §10, §12): who is overdue, the notice, the meeting pack's facts and the
charts' trajectories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session

from ecotrack import rules
from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import t
from ecotrack.lazy import OnFirstUse
from ecotrack.plan import period_label
from ecotrack.results import (
    Board,
    IssuedDraft,
    IssuedNotice,
    MeetingFacts,
    Overdue,
    Publisher,
    SupportNote,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.tracker.base import months_named, named_counts, utc_now
from ecotrack.tracker.rectification import RectificationDesk

if TYPE_CHECKING:
    from ecotrack import notices
    from ecotrack.notices import Candidate, Editorial
    from ecotrack.storage import notices as notice_store
else:  # on first use: status, filings and assess never draft a notice nor read a file
    notices = OnFirstUse("ecotrack.notices")
    notice_store = OnFirstUse("ecotrack.storage.notices")

T = TypeVar("T")


class MeetingDesk(RectificationDesk):
    """Overdue units, notices, rectification and reminders."""

    def overdue(self, as_of: date) -> Overdue:
        """The units overdue as of a date, most reasons first (SPEC §5, §10, §16, §17), with the month they are
        judged by."""
        evaluation = self.evaluate(as_of)
        outstanding, matters = self.read(
            lambda session: (self._outstanding(session, as_of), self._matters_by_id(session))
        )
        listed = rules.overdue_units(evaluation, outstanding)
        named = {m for unit in listed for m in unit.matters_overdue}
        return Overdue(
            evaluation.evaluation_month,
            listed,
            self.document_numbers(),
            {m: matter for m, matter in matters.items() if m in named},
        )

    def document_numbers(self) -> dict[int, str]:
        """Each notice's number in the year → the document number it was issued with (SPEC §16: cited so)."""
        return self.read(self.document_numbers_in)

    def evaluation_month(self, as_of: date) -> str | None:
        """The month a notice as of this date would be for (SPEC §5), None before the first."""
        month = rules.evaluation_month(self.plan.year, as_of)
        return period_label(self.plan.year, month) if month is not None else None

    def issued_notice(self, number: int) -> IssuedNotice:
        """Notice `number` of the year, as recorded; bad input when there is none."""
        issued = self.notices()
        for notice in issued:
            if notice.number == number:
                return notice
        raise BadInput(
            t(
                "no notice number {number} in {year} (issued: {numbers})",
                number=number,
                year=self.plan.year,
                numbers=", ".join(str(n.number) for n in issued) or "-",
            )
        )

    def meeting_facts(self, as_of: date, language: str) -> MeetingFacts:
        """What the meeting pack shows as of a date (SPEC §12): the same numbers as `status`, `filings`, `overdue`
        and `rectifications`, and the month's notice as circulated, or the draft in `language` before it is."""
        evaluation = self.evaluate(as_of)
        behind = [(row.unit, row.target) for row in evaluation.rows if row.status == "behind"]
        notice, recorded = None, None
        if evaluation.evaluation_month is not None:
            issued = [
                n
                for n in self.notices()
                if n.evaluation_month == evaluation.evaluation_month and n.voided is None and n.as_of <= as_of
            ]
            if issued:  # the month's notice is out: show it, as circulated
                notice, recorded = issued[0].notice, issued[0].document_number
            else:
                try:
                    drafted = self.issue_notice(as_of, language, dry_run=True)
                except Refused:
                    drafted = None
                notice = drafted.notice if drafted else None
        return MeetingFacts(
            as_of=as_of,
            evaluation=evaluation,
            overdue=self.overdue(as_of).units,
            rectifications=[i for i in self.rectifications(as_of) if i.state in ("open", "overdue", "reopened")],
            trajectories=self.trajectories(as_of, behind),
            notice=notice,
            notice_recorded=recorded,
            matters=tuple(i for i in self.matters(as_of) if i.state in ("open", "overdue", "reopened")),
            notes=self.month_notes(evaluation.evaluation_month, as_of),
            board=self.board(as_of, evaluation) if evaluation.evaluation_month is not None else None,
        )

    def board(self, as_of: date, evaluation: Evaluation | None = None) -> Board:
        """The 亮灯 board as of a date (README "The board"): each unit's light and rank now, and as of the same day a
        month before; refused (exit 1) before the first evaluation month, as a notice is."""
        now = evaluation if evaluation is not None else self.evaluate(as_of)
        if now.evaluation_month is None:
            raise Refused(
                t("no evaluation month yet as of {as_of}: the board starts once January has ended", as_of=as_of)
            )
        before = rules.previous_board_date(self.plan.year, as_of)
        previous = self.evaluate(before) if before is not None else None
        return Board(
            as_of=as_of,
            evaluation_month=now.evaluation_month,
            previous_as_of=before,
            previous_month=previous.evaluation_month if previous is not None else None,
            rows=rules.board(self.plan, now, previous),
        )

    def month_notes(self, month: str | None, as_of: date) -> list[SupportNote]:
        """The supporting units' notes for a month as shown as of a date (SPEC §17, the pack): per supporting unit
        and target, the note with the latest reported date on or before it (of one date, the later filed)."""
        if month is None or not self.plan.supporting_reports:
            return []
        shown: dict[tuple[str, str], SupportNote] = {}
        for note in self.support_notes():  # oldest filing first
            if note.period == month and date.fromisoformat(note.reported_at[:10]) <= as_of:
                earlier = shown.get((note.unit, note.target))
                if earlier is None or note.reported_at[:10] >= earlier.reported_at[:10]:
                    shown[(note.unit, note.target)] = note
        return list(shown.values())

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
        dated: date | None = None,
    ) -> IssuedDraft | None:
        """Draft, number and record a notice naming the overdue units (SPEC §6 `notice`).

        None when no unit is overdue (nothing is recorded). Refused when there is no evaluation month
        yet, or a notice for this evaluation month exists. Numbering and recording happen in one
        write transaction, so two offices issuing at once cannot take the same number or month.
        `publish` writes the document before that transaction commits (write, then record): when it
        fails nothing is recorded, and when the commit fails what it wrote is taken back. `dated` is its
        成文日期 (SPEC §16; the as-of date when not given, never before it): its items are due from it.
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
        if dated is not None and dated < as_of:
            raise BadInput(
                t("--dated {dated} is before the notice's as-of date {as_of}", dated=dated, as_of=as_of.isoformat())
            )
        if not dry_run:
            self.require_office(t("issuing a notice"))
            if publish is not None and self.plan.notices.require_signature:
                raise Refused(
                    t("the plan requires a notice to be signed before it is circulated (notices.require_signature)"),
                    hint=t("issue it without --out, then `ecotrack notices sign N --out DIR` writes its documents"),
                )

        def issue(session: Session) -> IssuedDraft | None:
            # Evaluated inside the transaction that records it: the plan and the filings it names
            # units for are the ones on record when it is numbered.
            if not dry_run:
                self._require_same_plan(session)
            evaluation = self.evaluate_in(session, as_of)
            assert evaluation.evaluation_month == month
            outstanding = self._outstanding(session, as_of)
            issued = notice_store.notices(session=session, plan_id=self.stored.id)
            counting = self.notices_in_force(issued, as_of)  # the ladder and "named before" (SPEC §6, §10, §18)
            already_named = months_named(counting)
            chosen = editorial or notices.Editorial()
            self._check_editorial(notices.candidates(evaluation, outstanding, already_named), chosen)
            first = next((n for n in issued if n.evaluation_month == month and n.voided is None), None)
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
                prior_counts=named_counts(counting),
                outstanding=outstanding,
                already_named=already_named,
                editorial=chosen,
                dated=dated,
                # earlier notices are cited by the numbers they were issued with (SPEC §16)
                issued_numbers={n.number: n.document_number for n in issued},
                matter_titles={m: matter.title for m, matter in self._matters_by_id(session).items()},
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

    def sign_notice(self, number: int, on: date, publish: Publisher | None = None) -> IssuedNotice:
        """Record the office's signature (签发) of notice `number` on a day (SPEC §16), once; refused for a void
        notice, and a day before its 成文日期 is bad input. `publish` writes its documents as recorded, before the
        signature commits (write, then record), so that a notice that must be signed is circulated once signed."""
        by = self.recorder()
        self.require_office(t("signing a notice"))

        def record(session: Session) -> IssuedNotice:
            at = utc_now()
            issued = {n.number: n for n in notice_store.notices(session=session, plan_id=self.stored.id)}
            if number not in issued:
                raise BadInput(t("no notice {number} in {year}", number=number, year=self.plan.year))
            notice = issued[number]
            if notice.voided is not None:
                raise Refused(t("notice {number} is void: it is not signed", number=notice.document_number))
            if notice.signed is not None:
                raise Refused(
                    t(
                        "notice {number} was signed already, on {on} by {by}",
                        number=notice.document_number,
                        on=notice.signed.on.isoformat(),
                        by=notice.signed.by,
                    )
                )
            if on < notice.written_on:
                raise BadInput(
                    t(
                        "--on {on} is before the notice's 成文日期 {dated}",
                        on=on.isoformat(),
                        dated=notice.written_on.isoformat(),
                    )
                )
            notice_store.sign_notice(session=session, plan_id=self.stored.id, number=number, on=on, at=at, by=by)
            if publish is not None:
                take_back.append(publish(IssuedDraft(notice.notice, notice.document, recorded=True)))
            return notice

        take_back: list[Callable[[], None]] = []
        try:
            return self.write(record)
        except BaseException:
            for undo in reversed(take_back):
                undo()
            raise

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
