"""`ecotrack plan check|load|show`: the plan file (SPEC §3)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli.lazy import render
from ecotrack.cli.options import FormatOpt, NoBomOpt, OutputFormat
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import open_tracker, settings_of
from ecotrack.i18n import N_, t, tn, tp

if TYPE_CHECKING:
    from ecotrack.plan import AmendedAssignment, Plan

app = typer.Typer(help=N_("Check, load and show the plan (tasks.yaml)."), no_args_is_help=True)


@app.command()
def check(
    ctx: typer.Context,
    file: Annotated[str | None, typer.Argument(metavar="[FILE]", help=N_("Plan file (default: --plan)."))] = None,
) -> None:
    """Validate a plan file without touching the database; every problem as FILE:LINE:COLUMN."""
    from ecotrack.plancheck import check_plan_file  # not the tracker: no database stack to import

    settings = settings_of(ctx)
    name = file or settings.plan
    plan = check_plan_file(Path(name), name, () if file else settings.searched)
    targets = list(plan.targets())
    render.info(
        t(
            "{path}: valid: {counts}",
            path=name,
            counts=tp("list", ", ").join(
                [
                    tn("{count} unit", "{count} units", count=len(plan.units)),
                    tn("{count} task", "{count} tasks", count=len(plan.tasks)),
                    tn("{count} target", "{count} targets", count=len(targets)),
                    tn("{count} assignment", "{count} assignments", count=sum(len(g.assignments) for g in targets)),
                ]
            ),
        )
    )


@app.command()
def load(ctx: typer.Context) -> None:
    """Load or re-sync the plan; refuses to remove or retype what has entries, naming it."""
    from ecotrack.tracker import kept_amendments, reload_plan

    settings = settings_of(ctx)
    report = reload_plan(settings)
    kept = kept_amendments(settings, report.year)
    render.info(
        t("plan year {year} loaded", year=report.year)
        if report.created
        else t(
            "plan year {year} re-synced: {added} added, {changed} changed, {removed} removed",
            year=report.year,
            added=report.added,
            changed=report.changed,
            removed=report.removed,
        )
    )
    if kept:  # SPEC §17: the amendments of the year stay; they are not in the file
        render.info(
            tn(
                "{count} amendment of {year} is kept: approved requests amend the plan as loaded",
                "{count} amendments of {year} are kept: approved requests amend the plan as loaded",
                count=kept,
                year=report.year,
            )
        )


@app.command()
def show(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """The plan as a tree: tasks, targets, lead and supporting units, amounts."""
    from ecotrack.listings import PLAN_COLUMNS, amendment_rows, plan_data, plan_rows

    today = date.today()
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        amended = tracker.amended(today).amended  # SPEC §17: the plan file is never rewritten; these apply today
    data: dict[str, object] = {"plan_year": plan.year, "plan": plan_data(plan)}
    if amended:
        data["amendments"] = amendment_rows(amended)
    emit(
        fmt,
        data=data,
        rows=lambda: plan_rows(plan),
        columns=PLAN_COLUMNS,
        table=lambda: _tree_and_amendments(plan, amended, today),
        bom=not no_bom,
    )


def _tree_and_amendments(plan: Plan, amended: Sequence[AmendedAssignment], today: date) -> None:
    render.plan_tree(plan)
    render.amendments_note(amended, today)
