"""The office's commands for the monthly meeting: `status` (and the meeting's lists and notices)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecotrack import render
from ecotrack.cli.options import AsOfOpt, FormatOpt, NoBomOpt, OutputFormat, UnitOpt, as_of_date
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import known_task, known_unit, open_tracker
from ecotrack.exports import plain
from ecotrack.i18n import t
from ecotrack.listings import STATUS_COLUMNS

PANEL = "The monthly meeting (office)"
TaskOpt = Annotated[str | None, typer.Option("--task", "-k", metavar="TASK", help="A task code, e.g. 2.")]


def status(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    unit: UnitOpt = None,
    task: TaskOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Each assignment: amount, actual, expected, progress and status (SPEC §5)."""
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            known_unit(plan, unit)
        if task is not None:
            known_task(plan, task)
        evaluation = tracker.evaluate(day)
    rows = [r for r in evaluation.rows if unit in (None, r.unit) and task in (None, r.task)]
    data = {"plan_year": plan.year, "as_of": day, "evaluation_month": evaluation.evaluation_month, "rows": rows}
    title = t(
        "status.title", year=plan.year, as_of=day.isoformat(), month=evaluation.evaluation_month or t("status.no_month")
    )
    emit(
        fmt,
        data=data,
        rows=lambda: [plain(r) for r in rows],
        columns=STATUS_COLUMNS,
        table=lambda: render.status_table(plan, rows, title, render.status_summary(rows)),
        bom=not no_bom,
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(status)
