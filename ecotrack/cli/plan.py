"""`ecotrack plan check|load|show`: the plan file (SPEC §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecotrack.cli.lazy import render
from ecotrack.cli.options import FormatOpt, NoBomOpt, OutputFormat
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import open_tracker, settings_of
from ecotrack.i18n import N_, t, tn, tp

app = typer.Typer(help=N_("Check, load and show the plan (tasks.yaml)."), no_args_is_help=True)


@app.command()
def check(
    ctx: typer.Context,
    file: Annotated[str | None, typer.Argument(metavar="[FILE]", help=N_("Plan file (default: --plan)."))] = None,
) -> None:
    """Validate a plan file without touching the database; every problem as FILE:LINE:COLUMN."""
    from ecotrack.tracker import check_plan_file

    name = file or settings_of(ctx).plan
    plan = check_plan_file(Path(name), name)
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
    from ecotrack.tracker import reload_plan

    report = reload_plan(settings_of(ctx))
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


@app.command()
def show(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """The plan as a tree: tasks, targets, lead and supporting units, amounts."""
    from ecotrack.listings import PLAN_COLUMNS, plan_data, plan_rows

    with open_tracker(ctx) as tracker:
        plan = tracker.plan
    emit(
        fmt,
        data={"plan_year": plan.year, "plan": plan_data(plan)},
        rows=lambda: plan_rows(plan),
        columns=PLAN_COLUMNS,
        table=lambda: render.plan_tree(plan),
        bom=not no_bom,
    )
