"""The year-end commands: the assessment (考核), exports for scripts and people, and backups."""

from __future__ import annotations

import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ecotrack import render
from ecotrack.cli.options import AsOfOpt, FormatOpt, NoBomOpt, OutputFormat, UnitOpt, as_of_date
from ecotrack.cli.output import emit, write_bytes, write_file
from ecotrack.cli.workspace import known_unit, open_tracker, settings_of
from ecotrack.errors import BadInput
from ecotrack.exports import plain
from ecotrack.i18n import N_, t, tn
from ecotrack.listings import ASSESS_COLUMNS, EXPORT_TABLES, SHARE_COLUMNS

PANEL = N_("Year end (office and scripts)")
# The export's sheets, named in the interface language (the tables' own names stay English in CSV and JSON).
SHEET_NAMES = {
    "plan": N_("plan"),
    "status": N_("status"),
    "filings": N_("filings"),
    "assessment": N_("assessment"),
    "entries": N_("entries"),
    "notices": N_("notices"),
    "locks": N_("locks"),
    "rectifications": N_("rectifications"),
}


def assess(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    unit: UnitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """The assessment: completion, timeliness, notices, score, grade and rank; --unit explains one."""
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            unit = known_unit(plan, unit).code
            explanation = tracker.explain(day, unit)
            results = explanation.assessment.units
        else:
            results = tracker.assess(day).units
    data: dict[str, Any] = {"plan_year": plan.year, "as_of": day, "units": results}
    title = t("Assessment of {year} as of {as_of}", year=plan.year, as_of=day.isoformat())
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
    result = explanation.result
    named = [asdict(n) for n in explanation.notices]
    data.update(
        units=[result] if result else [],
        contributions=explanation.contributions,
        months=explanation.months,
        notices=named,
        after_the_fact=explanation.after_the_fact,
    )
    emit(
        fmt,
        data=data,
        rows=lambda: [plain(r) for r in data["units"]],
        columns=ASSESS_COLUMNS,
        table=lambda: render.assessment_explained(
            plan, result, explanation.contributions, explanation.months, named, explanation.after_the_fact
        ),
        bom=not no_bom,
    )


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
        typer.Option("--out", "-o", metavar="FILE", dir_okay=False, help=N_("Write here (default: stdout).")),
    ] = None,
    as_of: AsOfOpt = None,
    no_bom: NoBomOpt = False,
) -> None:
    """The year-end export for scripts and people: JSON, CSV or XLSX; stdout unless --out."""
    from ecotrack import exports
    from ecotrack.listings import export_data, export_tables, rectification_rows

    if fmt is ExportFormat.csv and table is None:
        raise BadInput(t("--format csv exports one table: give --table ({tables})", tables=", ".join(EXPORT_TABLES)))
    if table is not None and table not in EXPORT_TABLES:
        raise BadInput(
            t("unknown table '{table}': choose one of {tables}", table=table, tables=", ".join(EXPORT_TABLES))
        )
    if fmt is ExportFormat.xlsx and out is None and sys.stdout.isatty():
        raise BadInput(t("an XLSX workbook is binary: give --out FILE.xlsx, or redirect stdout to a file"))
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        assessment = tracker.assess(day)
        issued = tracker.notices()
        items = tracker.rectifications(day)
        data = export_data(
            plan,
            day,
            assessment.evaluation,
            assessment.units,
            tracker.history(),
            issued,
            tracker.locks(),
            rectification_rows([(item.stored, item.due, item.state) for item in items]),
        )
    tables = export_tables(data, plan, issued)
    if fmt is ExportFormat.json:
        shown = data if table is None else {"plan_year": plan.year, "as_of": data["as_of"], table: data[table]}
        payload = exports.json_text(shown, pretty=out is None and sys.stdout.isatty()).encode("utf-8")
    elif fmt is ExportFormat.csv:
        columns, rows = tables[table or ""]
        payload = exports.csv_bytes(rows, columns, bom=not no_bom)
    else:
        chosen = [table] if table else list(EXPORT_TABLES)
        payload = exports.xlsx_bytes(
            [
                exports.Sheet(
                    title=t(SHEET_NAMES[name]),
                    columns=tables[name][0],
                    rows=tables[name][1],
                    percent_columns=SHARE_COLUMNS,
                )
                for name in chosen
            ]
        )
    if out is None:
        write_bytes(payload)
    else:
        write_file(out, payload)
        render.info(
            t("wrote {path}: the {year} plan year as of {as_of}", path=out, year=plan.year, as_of=day.isoformat())
        )


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
    app.command(rich_help_panel=PANEL)(export)
    app.command(rich_help_panel=PANEL)(backup)
