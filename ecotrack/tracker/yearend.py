"""The year end (SPEC §11): the assessment, the office's adjustments and vetoes, the final result and how
each unit's score was reached."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session

from ecotrack import rules
from ecotrack.errors import BadInput, Refused
from ecotrack.i18n import t
from ecotrack.results import (
    Assessment,
    AssessmentView,
    Explained,
    Explanation,
    FinalResult,
    HistoryEntry,
    IssuedNotice,
    NoticeNaming,
    StoredAdjustment,
    YearExport,
)
from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.storage import scores as score_store
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

    def record_final(self, as_of: date, content: Mapping[str, object]) -> None:
        """Record the year's result (SPEC §11) once; refused when it is recorded already."""
        by = self.recorder()
        self.require_office(t("the final assessment"))

        def record(session: Session) -> None:
            at = utc_now()
            self._refuse_after_final(session)
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
        the explanations of `unit` (or of `every` unit); `final` records it first, once (SPEC §11)."""
        recorded = None if trial else self.final_result()
        if final:
            if recorded is not None:
                self.record_final(as_of, {})  # refused, naming the recorded result
            self.record_final(as_of, self.assessment_record(as_of, every=True))
            recorded = self.final_result()
            assert recorded is not None
        content = recorded.content if recorded is not None else self.assessment_record(as_of, unit, every=every)
        return AssessmentView(as_of, content, recorded)

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


def _final_words(year: int, recorded: FinalResult) -> str:
    return t(
        "the final assessment of {year} was recorded on {when} by {by} (as of {as_of}); it is not changed",
        year=year,
        when=recorded.recorded_at.replace("T", " "),
        by=recorded.recorded_by,
        as_of=recorded.as_of.isoformat(),
    )
