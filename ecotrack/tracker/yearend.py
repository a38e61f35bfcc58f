"""The year end (SPEC §11): the assessment, the office's adjustments and vetoes, the final result and how
each unit's score was reached."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlmodel import Session

from ecotrack import rules
from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import t, tp
from ecotrack.results import (
    Assessment,
    AssessmentView,
    Explained,
    Explanation,
    FinalResult,
    HistoryEntry,
    IssuedNotice,
    NoticeNaming,
    PublicationWriter,
    StoredAdjustment,
    StoredAppeal,
    StoredPublication,
    YearExport,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import appeals as appeal_store
from ecotrack.storage import scores as score_store
from ecotrack.storage.entries import local_iso
from ecotrack.tracker.base import utc_now
from ecotrack.tracker.rectification import RectificationDesk

T = TypeVar("T")


class YearEndDesk(RectificationDesk):
    """The assessment, adjustments and the final result."""

    def assess(self, as_of: date) -> Assessment:
        """Every unit scored, graded and ranked (SPEC §5, §11), computed now (a trial): with the evaluation
        it was scored from, the adjustments and vetoes not voided, and when milestones were first done."""
        evaluation = self.evaluate(as_of)

        def read(session: Session) -> tuple[list[StoredAdjustment], dict[tuple[str, str], date]]:
            stored = score_store.adjustments(session=session, plan_id=self.stored.id)
            return stored, score_store.milestones_done_on(session=session, plan_id=self.stored.id, as_of=as_of)

        stored, done_on = self.read(read)
        items: dict[str, list[rules.Adjustment]] = {}
        vetoes: dict[str, list[rules.Veto]] = {}
        for a in stored:
            if a.void_reason is not None:
                continue
            if a.kind == "veto":
                vetoes.setdefault(a.unit, []).append(rules.Veto(a.id, a.basis))
            else:
                items.setdefault(a.unit, []).append(rules.Adjustment(a.id, a.points, a.item, a.basis))
        results = rules.assess(
            self.plan, evaluation, self.notice_counts(as_of), adjustments=items, vetoes=vetoes, done_on=done_on
        )
        return Assessment(evaluation, results, vetoes, done_on)

    def adjustments(self) -> list[StoredAdjustment]:
        return self.read(lambda session: score_store.adjustments(session=session, plan_id=self.stored.id))

    def add_adjustment(self, unit: str, kind: str, points: float, item: str, basis: str) -> int:
        """Record an office's bonus or deduction item, or a veto (SPEC §11); refused after the final result."""
        by = self.recorder()
        self.require_office(t("an adjustment"))

        def record(session: Session) -> int:
            at = utc_now()
            self._refuse_after_final(session)
            return score_store.add_adjustment(
                session=session,
                plan_id=self.stored.id,
                unit=unit,
                kind=kind,
                points=points,
                item=item,
                basis=basis,
                at=at,
                by=by,
            )

        return self.write(record)

    def void_adjustment(self, adjustment_id: int, reason: str) -> None:
        by = self.recorder()
        self.require_office(t("voiding an adjustment"))

        def record(session: Session) -> None:
            at = utc_now()
            self._refuse_after_final(session)
            found = {a.id: a for a in score_store.adjustments(session=session, plan_id=self.stored.id)}
            if adjustment_id not in found:
                raise BadInput(t("no adjustment #{id} in {year}", id=adjustment_id, year=self.plan.year))
            if found[adjustment_id].void_reason is not None:
                raise Refused(
                    t(
                        "adjustment #{id} was voided already, by {by} on {when}",
                        id=adjustment_id,
                        by=found[adjustment_id].voided_by,
                        when=(found[adjustment_id].voided_at or "").replace("T", " "),
                    )
                )
            score_store.void_adjustment(session=session, adjustment_id=adjustment_id, reason=reason, at=at, by=by)

        self.write(record)

    def _refuse_after_final(self, session: Session) -> None:
        recorded = score_store.final(session=session, plan_id=self.stored.id)
        if recorded is not None:
            raise Refused(_final_words(self.plan.year, recorded))

    def final_result(self) -> FinalResult | None:
        return self.read(lambda session: score_store.final(session=session, plan_id=self.stored.id))

    def record_final(
        self, as_of: date, content: Mapping[str, object], check: Callable[[Session], object] | None = None
    ) -> None:
        """Record the year's result (SPEC §11) once; refused when it is recorded already (or when `check`,
        run in the same unit of work, refuses)."""
        by = self.recorder()
        self.require_office(t("the final assessment"))

        def record(session: Session) -> None:
            at = utc_now()
            self._refuse_after_final(session)
            if check is not None:
                check(session)
            score_store.record_final(
                session=session, plan_id=self.stored.id, as_of=as_of, content=dict(content), at=at, by=by
            )

        self.write(record)

    def explanations(self, as_of: date, unit: str | None = None, *, every: bool = False) -> Explained:
        """The assessment as of a date and how it was reached, for one unit or (`every`) for each: what
        `assess --unit` shows and `assess --final` records. Everything is read once, and only when asked."""
        assessment = self.assess(as_of)
        if unit is None and not every:
            return Explained(assessment, {})
        issued = self.notices()
        # only entries filed after the fact are explained, grouped by unit once rather than scanned once
        # per unit (a city's year has a hundred thousand entries and a few hundred units)
        after_the_fact: dict[str, list[HistoryEntry]] = {}
        for entry in self.history(unit):
            if entry.backdated or entry.catch_up:
                after_the_fact.setdefault(entry.unit, []).append(entry)
        by_unit: dict[str, Explanation] = {}
        for result in assessment.units:
            if unit is not None and result.unit != unit:
                continue
            entries = after_the_fact.get(result.unit, [])
            by_unit[result.unit] = self._explain(assessment, result.unit, as_of, issued, entries)
        return Explained(assessment, by_unit)

    def assessment_view(
        self, as_of: date, unit: str | None = None, *, final: bool = False, trial: bool = False, every: bool = False
    ) -> AssessmentView:
        """What `assess` shows: the recorded final result unless `trial`, else the assessment computed now with
        the explanations of `unit` (or of `every` unit); `final` records it first, once (SPEC §11), as of
        `as_of` (use `finalize` for the final of SPEC §15). With the year's latest publication and the appeals
        filed by the date shown (every appeal, under the final result)."""
        if final:
            return self.finalize(as_of, as_of, dated=False)
        recorded = None if trial else self.final_result()
        content = recorded.content if recorded is not None else self.assessment_record(as_of, unit, every=every)
        return self._view(as_of, content, recorded, unit)

    def _view(
        self, as_of: date, content: dict[str, Any], recorded: FinalResult | None, unit: str | None
    ) -> AssessmentView:
        published = self.publications()
        appeals = self.appeals(unit)
        if recorded is None:
            appeals = [a for a in appeals if a.filed_on <= as_of]
        return AssessmentView(as_of, content, recorded, published[-1] if published else None, tuple(appeals))

    # --- 公示, 复核, 审定 (SPEC §15, §18) ---------------------------------------------------------------------

    def publication_view(self, publication: StoredPublication) -> AssessmentView:
        """A publication as `assess` shows it: its recorded result, a trial, with the appeals filed by its date."""
        return self._view(publication.as_of, publication.content, None, None)

    def publications(self) -> list[StoredPublication]:
        return self.read(lambda session: appeal_store.publications(session=session, plan_id=self.stored.id))

    def appeals(self, unit: str | None = None) -> list[StoredAppeal]:
        return self.read(lambda session: appeal_store.appeals(session=session, plan_id=self.stored.id, unit=unit))

    def _appeal_days(self, doing: str) -> int:
        days = self.plan.assessment.appeal_days
        if days is None:
            raise Refused(
                t(
                    "the {year} plan sets no assessment.appeal_days: its result is not published for appeals, "
                    "so {doing} is refused",
                    year=self.plan.year,
                    doing=doing,
                )
            )
        return days

    def publish(self, as_of: date, on: date, writer: PublicationWriter | None = None) -> StoredPublication:
        """Record the trial result as of `as_of` as the year's next publication, published on `on`, with its
        appeal window; `writer` writes its document before the record commits (write, then record). Refused
        without appeal_days, after the final result and while an appeal is pending."""
        by = self.recorder()
        self.require_office(t("publishing the assessment"))
        if on < as_of:
            raise BadInput(
                t("--on {on} is before --as-of {as_of}: a result is published after its date", on=on, as_of=as_of)
            )
        days = self._appeal_days(t("a publication"))
        content = self.assessment_record(as_of, every=True)
        take_back: list[Callable[[], None]] = []

        def record(session: Session) -> StoredPublication:
            at = utc_now()
            self._refuse_after_final(session)
            published = appeal_store.publications(session=session, plan_id=self.stored.id)
            _refuse_pending(appeal_store.appeals(session=session, plan_id=self.stored.id), None, t("publishing again"))
            if published and on < published[-1].published_on:
                raise Refused(
                    t(
                        "publication {number} was published on {day}: a later one cannot be published before it",
                        number=published[-1].number,
                        day=published[-1].published_on,
                    )
                )
            stored = StoredPublication(
                number=published[-1].number + 1 if published else 1,
                as_of=as_of,
                published_on=on,
                window_closes=on + timedelta(days=days),
                content=content,
                published_at=local_iso(at),
                published_by=by,
            )
            appeal_store.record_publication(
                session=session,
                plan_id=self.stored.id,
                number=stored.number,
                as_of=as_of,
                published_on=on,
                window_closes=stored.window_closes,
                content=content,
                at=at,
                by=by,
            )
            if writer is not None:
                take_back.append(writer(stored))
            return stored

        try:
            return self.write(record)
        except BaseException:
            for undo in reversed(take_back):
                undo()
            raise

    def appeal(
        self, unit: str, text: str, on: date, *, dated: bool, attachments: Sequence[tuple[str, bytes]] = ()
    ) -> tuple[int, StoredPublication]:
        """Record a unit's request for review of the latest publication, filed on `on` (`dated`: given after
        the fact, the office's only), within its window; its id and the publication."""
        by = self.recorder()
        self.require_unit(unit)
        if dated:
            self.require_office("--on")
        self._appeal_days(t("an appeal"))

        login = self.login()

        def record(session: Session) -> tuple[int, StoredPublication]:
            at = utc_now()
            if login is None or login.role != "clerk":  # a clerk does not read the final result; its window closed
                self._refuse_after_final(session)
            published = appeal_store.publications(session=session, plan_id=self.stored.id)
            if not published:
                raise Refused(
                    t(
                        "no result of {year} has been published yet: there is nothing to appeal",
                        year=self.plan.year,
                    )
                )
            latest = published[-1]
            if on < latest.published_on:
                raise Refused(
                    t(
                        "publication {number} is published on {day}: its appeal window opens that day",
                        number=latest.number,
                        day=latest.published_on,
                    )
                )
            if on > latest.window_closes:
                raise Refused(
                    t(
                        "the appeal window of publication {number} closed on {day}: an appeal on {on} is too late",
                        number=latest.number,
                        day=latest.window_closes,
                        on=on,
                    )
                )
            number = appeal_store.record_appeal(
                session=session,
                plan_id=self.stored.id,
                publication=latest.number,
                unit=unit,
                text=text,
                on=on,
                at=at,
                by=by,
                attachments=attachments,
            )
            return number, latest

        return self.write(record)

    def decide_appeal(self, appeal_id: int, upheld: bool, reason: str, refs: Sequence[str], on: date) -> StoredAppeal:
        """The office upholds or rejects an appeal, once, on `on`, naming the corrections it made (`refs`)."""
        by = self.recorder()
        self.require_office(t("deciding an appeal"))

        def record(session: Session) -> StoredAppeal:
            at = utc_now()
            self._refuse_after_final(session)
            found = {a.id: a for a in appeal_store.appeals(session=session, plan_id=self.stored.id)}
            if appeal_id not in found:
                raise BadInput(t("no appeal #{id} in {year}", id=appeal_id, year=self.plan.year))
            appeal = found[appeal_id]
            if appeal.decision is not None:
                raise Refused(
                    t(
                        "appeal #{id} was decided already ({state} on {on}, by {by}); a decision is not changed",
                        id=appeal_id,
                        state=tp("appeal", "upheld") if appeal.decision.upheld else tp("appeal", "rejected"),
                        on=appeal.decision.decided_on,
                        by=appeal.decision.decided_by,
                    )
                )
            if on < appeal.filed_on:
                raise BadInput(
                    t(
                        "--on {on} is before appeal #{id} was filed ({filed})",
                        on=on,
                        id=appeal_id,
                        filed=appeal.filed_on,
                    )
                )
            appeal_store.record_decision(
                session=session,
                appeal_id=appeal_id,
                upheld=upheld,
                reason=reason,
                refs=tuple(refs),
                on=on,
                at=at,
                by=by,
            )
            return appeal

        return self.write(record)

    def finalize(self, as_of: date | None, on: date, *, dated: bool) -> AssessmentView:
        """Record the year's final result (审定) on `on`, once. Without appeal_days: the assessment as of `as_of`
        (default `on`), as SPEC §11 has it. With it: refused until the day after the latest publication's window
        closes and while an appeal is pending; the result recomputed at the publication's as-of date, recorded
        with the publications and appeals it followed (SPEC §15, §18)."""
        if self.final_result() is not None:
            self.record_final(on, {})  # refused, naming the recorded result
        if self.plan.assessment.appeal_days is None:
            day = as_of or on
            content = self.assessment_record(day, every=True)
            if dated:
                content["recorded_on"] = on.isoformat()
            self.record_final(day, content)
        else:
            self.require_office(t("the final assessment"))
            published, appeals = self.publications(), self.appeals()
            latest = self._ready_for_final(published, appeals, on)
            if as_of is not None and as_of != latest.as_of:
                raise BadInput(
                    t(
                        "--as-of {as_of}: the final result is the one of publication {number}, as of {published}; "
                        "leave out --as-of",
                        as_of=as_of,
                        number=latest.number,
                        published=latest.as_of,
                    )
                )
            day = latest.as_of
            content = self.assessment_record(day, every=True)
            content["recorded_on"] = on.isoformat()
            content["followed"] = {
                "publications": [
                    {
                        "number": p.number,
                        "as_of": p.as_of.isoformat(),
                        "published_on": p.published_on.isoformat(),
                        "window_closes": p.window_closes.isoformat(),
                    }
                    for p in published
                ],
                "appeals": [
                    {
                        "id": a.id,
                        "unit": a.unit,
                        "publication": a.publication,
                        "state": a.state_on(on),
                        "reason": a.decision.reason if a.decision else None,
                        "refs": list(a.decision.refs) if a.decision else [],
                    }
                    for a in appeals
                ],
            }
            self.record_final(
                day,
                content,
                check=lambda session: self._ready_for_final(
                    appeal_store.publications(session=session, plan_id=self.stored.id),
                    appeal_store.appeals(session=session, plan_id=self.stored.id),
                    on,
                    expected=latest.number,
                ),
            )
        recorded = self.final_result()
        assert recorded is not None
        return self._view(day, recorded.content, recorded, None)

    def _ready_for_final(
        self,
        published: Sequence[StoredPublication],
        appeals: Sequence[StoredAppeal],
        on: date,
        expected: int | None = None,
    ) -> StoredPublication:
        """The latest publication, once the final may follow it on `on`; else refused, saying why."""
        if not published:
            raise Refused(
                t(
                    "the {year} plan sets assessment.appeal_days: the final result follows a publication; "
                    "publish it first with `assess --publish`",
                    year=self.plan.year,
                )
            )
        latest = published[-1]
        if expected is not None and latest.number != expected:
            raise Refused(t("publication {number} was recorded meanwhile; run the command again", number=latest.number))
        if on <= latest.window_closes:
            raise Refused(
                t(
                    "the appeal window of publication {number} is open until {day}: "
                    "the final result can be recorded from {next}",
                    number=latest.number,
                    day=latest.window_closes,
                    next=latest.window_closes + timedelta(days=1),
                )
            )
        _refuse_pending(appeals, on, t("the final assessment"))
        return latest

    def year_export(self, as_of: date, *, explained: bool) -> YearExport:
        """Every table of the year as of a date for `export`, with every unit's explanations when `explained`
        (the recorded final result's, once there is one)."""
        recorded = self.final_result()
        scored = None
        if explained:
            scored = recorded.content if recorded is not None else self.assessment_record(as_of, every=True)
        return YearExport(
            as_of=as_of,
            assessment=self.assess(as_of),
            recorded=recorded,
            entries=self.history(),
            notices=self.notices(),
            locks=self.locks(),
            rectifications=self.rectifications(as_of),
            explained=scored,
            appeals=tuple(a for a in self.appeals() if recorded is not None or a.filed_on <= as_of),
            matters=tuple(self.matters(as_of)),
            notes=tuple(self.support_notes()),
        )

    def assessment_record(self, as_of: date, unit: str | None = None, *, every: bool = False) -> dict[str, Any]:
        """The assessment and its explanations (of `unit`, or of `every` unit) as JSON data: the shape
        `assess` prints and `--final` keeps."""
        from ecotrack.listings import assessment_content

        explained = self.explanations(as_of, unit, every=every)
        return assessment_content(
            as_of,
            explained.assessment.units,
            {
                code: (e.contributions, e.months, e.notices, e.after_the_fact, e.vetoes, e.tie, e.quota)
                for code, e in explained.by_unit.items()
            },
        )

    def _explain(
        self,
        assessment: Assessment,
        unit: str,
        as_of: date,
        issued: Sequence[IssuedNotice],
        entries: Sequence[HistoryEntry],
    ) -> Explanation:
        result = next((r for r in assessment.units if r.unit == unit), None)
        named = [
            NoticeNaming(n.number, n.document_number, n.evaluation_month, n.as_of, item.count_this_year)
            for n in issued
            if n.as_of <= as_of and n.voided is None
            for item in n.named
            if item.unit == unit
        ]
        return Explanation(
            assessment=assessment,
            result=result,
            contributions=rules.contributions(self.plan, assessment.evaluation, unit, assessment.done_on)
            if result
            else [],
            vetoes=list(assessment.vetoes.get(unit, [])),
            months=next((f.months for f in assessment.evaluation.filings if f.unit == unit), {}),
            notices=named,
            after_the_fact=[
                e
                for e in entries
                if e.unit == unit
                and (e.backdated or e.catch_up)
                and rules.counts(e.review, date.fromisoformat(e.reported_at[:10]), as_of)
            ],
            tie=rules.tie_of(self.plan, assessment.units, unit),
            quota=rules.quota_exceeded(self.plan, assessment.units, unit),
        )


def _refuse_pending(appeals: Sequence[StoredAppeal], on: date | None, doing: str) -> None:
    pending = [a for a in appeals if a.state_on(on) == "pending"]
    if pending:
        raise Refused(
            t(
                "undecided appeals: {ids}; decide them with `ecotrack appeals decide` before {doing}",
                ids=", ".join(f"#{a.id}" for a in pending),
                doing=doing,
            )
        )


def _final_words(year: int, recorded: FinalResult) -> str:
    return t(
        "the final assessment of {year} was recorded on {when} by {by} (as of {as_of}); it is not changed",
        year=year,
        when=recorded.recorded_at.replace("T", " "),
        by=recorded.recorded_by,
        as_of=recorded.as_of.isoformat(),
    )
