"""The year-end commands: the assessment (考核), exports for scripts and people, and backups."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli.lazy import listings, render
from ecotrack.cli.options import (
    ID_RANGE,
    AsOfOpt,
    FormatOpt,
    NoBomOpt,
    OutputFormat,
    UnitOpt,
    as_of_date,
    remark,
    writable_place,
)
from ecotrack.cli.output import emit, write_bytes, write_file
from ecotrack.cli.workspace import known_unit, open_tracker, settings_of
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, t, tn

if TYPE_CHECKING:
    pass

PANEL = N_("Year end (office and scripts)")


# The export's sheets, named in the interface language (the tables' own names stay English in CSV and JSON).
def assess(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    unit: UnitOpt = None,
    final: Annotated[
        bool, typer.Option("--final", help=N_("Record this as the year's final result (once; it is not changed)."))
    ] = False,
    trial: Annotated[
        bool, typer.Option("--trial", help=N_("Compute it now, even when a final result is recorded."))
    ] = False,
    xlsx: Annotated[
        bool,
        typer.Option("--xlsx", help=N_("Write the assessment sheet: a summary and one sheet per unit (with --out).")),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            callback=writable_place,
            metavar="FILE",
            dir_okay=False,
            help=N_("The workbook to write (with --xlsx)."),
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """The assessment: completion, timeliness, notices, adjustments, score, grade and rank; --unit explains one."""
    from ecotrack.listings import assessment_data, assessment_title, explanation_from_json, unit_assessment

    if final and trial:
        raise BadInput(t("give --final or --trial, not both"))
    if final and unit is not None:
        raise BadInput(t("--final records every unit's result: leave out --unit"))
    if xlsx != (out is not None):
        raise BadInput(t("--xlsx and --out FILE go together: the workbook is written to FILE"))
    if xlsx and unit is not None:
        raise BadInput(t("--xlsx writes every unit's sheet: leave out --unit"))
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        view = tracker.assessment_view(day, code, final=final, trial=trial, every=xlsx)
    if final:
        render.info(t("the final assessment of {year} as of {as_of} is recorded", year=plan.year, as_of=day))
    elif view.recorded is not None and as_of is not None and view.recorded.as_of != day:
        render.info(t("the final result is shown; --trial computes the assessment as of {as_of}", as_of=day))
    title = assessment_title(plan, view)
    if out is not None:
        from ecotrack.scoresheet import assessment_workbook

        write_file(out, assessment_workbook(plan, view, title))
        render.info(t("wrote {path}: the assessment sheet of {year}", path=out, year=plan.year))
        return
    data = assessment_data(plan, view, code)
    results = [unit_assessment(u) for u in data["units"]]
    explained = explanation_from_json(view.content["explanations"].get(code, {})) if code is not None else None

    def table() -> None:
        if explained is None:
            render.assessment_table(plan, results, title)
            return
        render.assessment_explained(
            plan, results[0] if results else None, explained.contributions, explained.months,
            explained.notices, explained.after_the_fact, explained.vetoes, title, explained.tie, explained.quota,
        )  # fmt: skip

    rows = listings.flat_rows(data["units"])
    emit(fmt, data=data, rows=lambda: rows, columns=listings.ASSESS_COLUMNS, table=table, bom=not no_bom)


score_app = typer.Typer(help=N_("The office's bonus and deduction items and vetoes."), no_args_is_help=True)


@score_app.command("add")
def score_add(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit it is for."))],
    points: Annotated[
        str, typer.Option("--points", metavar="P", help=N_("A bonus (e.g. 2) or a deduction (e.g. -3)."))
    ],
    item: Annotated[str, typer.Option("--item", metavar="TEXT", help=N_("What it is for."))] = "",
    basis: Annotated[str, typer.Option("--basis", metavar="TEXT", help=N_("Its basis: the document or rule."))] = "",
) -> None:
    """Record a bonus or deduction item for a unit's assessment, with its basis."""
    import math

    try:
        value = float(points.strip())
    except ValueError:
        raise BadInput(t("--points '{text}' is not a number like 2 or -3", text=points)) from None
    if not math.isfinite(value) or value == 0 or abs(value) > 1000:
        raise BadInput(t("--points '{text}': give a bonus above 0 or a deduction below 0 (at most 1000)", text=points))
    item, basis = _required(item, "--item"), _required(basis, "--basis")
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        number = tracker.add_adjustment(code, "points", value, item, basis)
    render.info(
        t("recorded adjustment #{id}: {unit} {points} ({item})", id=number, unit=code, points=f"{value:+g}", item=item)
    )


@score_app.command("veto")
def score_veto(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit it is for."))],
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why (required)."))] = "",
) -> None:
    """Veto a unit's grade: it gets the veto grade, ranked at its score."""
    reason = _required(reason, "--reason")
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        number = tracker.add_adjustment(code, "veto", 0.0, t("veto"), reason)
    render.info(t("recorded veto #{id}: {unit}", id=number, unit=code))


@score_app.command("void")
def score_void(
    ctx: typer.Context,
    number: Annotated[
        int, typer.Argument(metavar="ID", **ID_RANGE, help=N_("The adjustment or veto, as `score list` shows it."))
    ],
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why (required)."))] = "",
) -> None:
    """Cancel an adjustment or a veto: it stays in the record and counts for nothing."""
    reason = _required(reason, "--reason")
    with open_tracker(ctx) as tracker:
        tracker.void_adjustment(number, reason)
    render.info(t("adjustment #{id} is void", id=number))


@score_app.command("list")
def score_list(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """Every adjustment and veto of the year, with who recorded it and when, and any voiding."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        stored = tracker.adjustments()
    rows = [vars(a) for a in stored]
    emit(
        fmt,
        data={"plan_year": plan.year, "adjustments": rows},
        rows=lambda: rows,
        columns=ADJUSTMENT_COLUMNS,
        table=lambda: render.adjustments_table(plan, stored),
        bom=not no_bom,
    )


ADJUSTMENT_COLUMNS = (
    "id",
    "unit",
    "kind",
    "points",
    "item",
    "basis",
    "recorded_at",
    "recorded_by",
    "void_reason",
    "voided_at",
    "voided_by",
)


def _required(text: str, option: str) -> str:
    cleaned = remark(text, option)
    if not cleaned:
        raise BadInput(t("{option} is required", option=option))
    return cleaned


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


TableOpt = Annotated[
    str | None,
    typer.Option(
        "--table", metavar="TABLE", help=N_("For csv: one of plan, status, filings, assessment, entries, notices.")
    ),
]


def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help=N_("json (every table), csv (one --table), xlsx (a sheet each)."),
        ),
    ],
    table: TableOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            callback=writable_place,
            metavar="FILE",
            dir_okay=False,
            help=N_("Write here (default: stdout)."),
        ),
    ] = None,
    as_of: AsOfOpt = None,
    no_bom: NoBomOpt = False,
) -> None:
    """The year-end export for scripts and people: JSON, CSV or XLSX; stdout unless --out."""
    from ecotrack.listings import year_export_bytes

    if fmt is ExportFormat.csv and table is None:
        raise BadInput(
            t("--format csv exports one table: give --table ({tables})", tables=", ".join(listings.EXPORT_TABLES))
        )
    if table is not None and table not in listings.EXPORT_TABLES:
        raise BadInput(
            t("unknown table '{table}': choose one of {tables}", table=table, tables=", ".join(listings.EXPORT_TABLES))
        )
    if fmt is ExportFormat.xlsx and out is None and sys.stdout.isatty():
        raise BadInput(t("an XLSX workbook is binary: give --out FILE.xlsx, or redirect stdout to a file"))
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        # the per-unit sheets explain every unit
        facts = tracker.year_export(day, explained=fmt is ExportFormat.xlsx and table in (None, "assessment"))
    pretty = out is None and sys.stdout.isatty()
    payload = year_export_bytes(plan, facts, fmt.value, table, pretty=pretty, bom=not no_bom)
    if out is None:
        write_bytes(payload)
        return
    write_file(out, payload)
    render.info(t("wrote {path}: the {year} plan year as of {as_of}", path=out, year=plan.year, as_of=day.isoformat()))


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False, help=N_("Where to write the copy."))],
) -> None:
    """A consistent copy of the SQLite database, taken while others may be writing."""
    from ecotrack.tracker import backup_database

    copied = backup_database(settings_of(ctx), file)
    render.info(
        tn(
            "backed up to {path}: {count} entry, plan years {years}; integrity check ok",
            "backed up to {path}: {count} entries, plan years {years}; integrity check ok",
            path=file,
            count=copied.entries,
            years=", ".join(map(str, copied.years)),
        )
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(assess)
    app.add_typer(score_app, name="score", rich_help_panel=PANEL)
    app.command(rich_help_panel=PANEL)(export)
    app.command(rich_help_panel=PANEL)(backup)
