"""The year-end commands: the assessment (考核), exports for scripts and people, and backups."""

from __future__ import annotations

from typing import Any

import typer

from ecotrack import render
from ecotrack.cli.options import AsOfOpt, FormatOpt, NoBomOpt, OutputFormat, UnitOpt, as_of_date
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import known_unit, open_tracker
from ecotrack.exports import plain
from ecotrack.i18n import t
from ecotrack.listings import ASSESS_COLUMNS

PANEL = "Year end (office and scripts)"


def assess(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    unit: UnitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """The assessment (考核): completion, timeliness, notices, score, grade and rank; --unit explains one."""
    from ecotrack import rules

    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            known_unit(plan, unit)
        evaluation = tracker.evaluate(day)
        results = rules.assess(plan, evaluation, tracker.notice_counts(day))
        issued = tracker.notices() if unit is not None else []
    data: dict[str, Any] = {"plan_year": plan.year, "as_of": day, "units": results}
    title = t("assess.title", year=plan.year, as_of=day.isoformat())
    if unit is None:
        emit(
            fmt,
            data=data,
            rows=lambda: [plain(r) for r in results],
            columns=ASSESS_COLUMNS,
            table=lambda: render.assessment_table(plan, results, title),
            bom=not no_bom,
        )
        return
    result = next((r for r in results if r.unit == unit), None)
    contributions = rules.contributions(plan, evaluation, unit) if result else []
    months = next((f.months for f in evaluation.filings if f.unit == unit), {})
    named = [
        {
            "number": n.number,
            "document_number": n.document_number,
            "evaluation_month": n.evaluation_month,
            "as_of": n.as_of,
            "count_this_year": item["count_this_year"],
        }
        for n in issued
        if n.as_of <= day
        for item in n.content["units"]
        if item["unit"] == unit
    ]
    data.update(units=[result] if result else [], contributions=contributions, months=months, notices=named)
    emit(
        fmt,
        data=data,
        rows=lambda: [plain(r) for r in data["units"]],
        columns=ASSESS_COLUMNS,
        table=lambda: render.assessment_explained(plan, result, contributions, months, named),
        bom=not no_bom,
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(assess)
