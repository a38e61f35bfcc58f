"""The year-end commands: the assessment (考核), exports for scripts and people, and backups."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli.lazy import listings, render
from ecotrack.cli.options import (
    ID_RANGE,
    AsOfOpt,
    AttachOpt,
    FormatOpt,
    NoBomOpt,
    OnOpt,
    OutputFormat,
    QuietOpt,
    UnitOpt,
    YesOpt,
    as_of_date,
    confirmed,
    done_on,
    read_attachments,
    required_remark,
    writable_place,
)
from ecotrack.cli.output import emit, write_bytes, write_file
from ecotrack.cli.workspace import known_unit, open_tracker, settings_of
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, language, t, tn

if TYPE_CHECKING:
    from ecotrack.plan import Plan
    from ecotrack.results import PublicationWriter, StoredPublication

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
    publish: Annotated[
        bool,
        typer.Option("--publish", help=N_("Publish this trial result for appeals, with its window (appeal_days).")),
    ] = False,
    on: OnOpt = None,
    docx: Annotated[
        bool, typer.Option("--docx", help=N_("With --publish: write the publication's Word file (with --out)."))
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
            help=N_("The workbook (with --xlsx) or the Word file (with --publish --docx) to write."),
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
    yes: YesOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """The assessment: completion, timeliness, notices, adjustments, score, grade and rank; --unit explains one."""
    from ecotrack.listings import assessment_data, assessment_title, explanation_from_json, unit_assessment

    _check_assess_options(
        as_of=as_of, unit=unit, final=final, trial=trial, publish=publish, on=on, docx=docx, xlsx=xlsx, out=out
    )
    day = as_of_date(as_of)
    act_day = done_on(on)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        if publish:
            writer = _publication_writer(plan, out) if out is not None else None
            published = tracker.publish(day, act_day, writer)
            view = tracker.publication_view(published)
        elif final:
            confirmed(t("Record the final result of {year}, never to be changed?", year=plan.year), yes)
            with render.working(t("assessing the year"), quiet=quiet):
                view = tracker.finalize(day if as_of is not None else None, act_day, dated=on is not None)
        else:
            with render.working(t("assessing the year"), quiet=quiet):
                view = tracker.assessment_view(day, code, trial=trial, every=xlsx)
        # SPEC §17: the unit's assignments amended as of the result's date
        scored_on = date.fromisoformat(view.content["as_of"])
        amended = [a for a in tracker.amended(scored_on).amended if a.unit == code] if code is not None else []
    if publish:
        render.info(
            t(
                "published the assessment of {year} as of {as_of} as publication {number}: appeals until {closes}",
                year=plan.year,
                as_of=day,
                number=published.number,
                closes=published.window_closes,
            )
        )
        if out is not None:
            render.info(t("wrote {path}: the publication's document", path=out))
            return
    if final:
        render.info(
            t("the final assessment of {year} as of {as_of} is recorded", year=plan.year, as_of=view.content["as_of"])
        )
    elif view.recorded is not None and as_of is not None and view.recorded.as_of != day:
        render.info(t("the final result is shown; --trial computes the assessment as of {as_of}", as_of=day))
    title = assessment_title(plan, view)
    if out is not None:
        from ecotrack.scoresheet import assessment_workbook

        write_file(out, assessment_workbook(plan, view, title))
        render.info(t("wrote {path}: the assessment sheet of {year}", path=out, year=plan.year))
        return
    data = assessment_data(plan, view, code)
    if amended:
        data["amendments"] = listings.amendment_rows(amended)
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
        render.amendments_note(amended, scored_on, code)
        if view.appeals:
            render.appeals_table(plan, view.appeals, t("Appeals and decisions"))

    rows = listings.flat_rows(data["units"])
    emit(fmt, data=data, rows=lambda: rows, columns=listings.ASSESS_COLUMNS, table=table, bom=not no_bom)


def _check_assess_options(
    *,
    as_of: str | None,
    unit: str | None,
    final: bool,
    trial: bool,
    publish: bool,
    on: str | None,
    docx: bool,
    xlsx: bool,
    out: Path | None,
) -> None:
    """The options of `assess` that go together, and those that do not."""
    if final and trial:
        raise BadInput(t("give --final or --trial, not both"))
    if publish and (final or trial):
        raise BadInput(t("--publish records a trial result for appeals: leave out --final and --trial"))
    if final and unit is not None:
        raise BadInput(t("--final records every unit's result: leave out --unit"))
    if publish and unit is not None:
        raise BadInput(t("--publish records every unit's result: leave out --unit"))
    if on is not None and not (final or publish):
        raise BadInput(t("--on goes with --final or --publish: the day the act was done"))
    if docx and not publish:
        raise BadInput(t("--docx writes the publication's document: it goes with --publish"))
    if xlsx and docx:
        raise BadInput(t("give --xlsx or --docx, not both"))
    if docx and out is None:
        raise BadInput(t("--docx and --out FILE go together: the Word file is written to FILE"))
    if xlsx != (out is not None) and not docx:
        raise BadInput(t("--xlsx and --out FILE go together: the workbook is written to FILE"))
    if xlsx and unit is not None:
        raise BadInput(t("--xlsx writes every unit's sheet: leave out --unit"))
    if publish and as_of is None:
        raise BadInput(t("--publish needs --as-of D: the date the published result is computed as of"))


def _publication_writer(plan: Plan, out: Path) -> PublicationWriter:
    """Writes the publication's Word file to `out` before the publication is recorded; gives back its removal."""

    def write(publication: StoredPublication) -> Callable[[], None]:
        from ecotrack.circulation import publication_file

        write_file(out, publication_file(plan, publication))
        return lambda: out.unlink(missing_ok=True)

    return write


def appeal(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit that asks for review."))],
    text: Annotated[str, typer.Option("--text", metavar="TEXT", help=N_("What it disputes, and why."))] = "",
    attach: AttachOpt = None,
    on: OnOpt = None,
) -> None:
    """File a unit's request for review of the published result, within its window."""
    text = required_remark(text, "--text")
    files = read_attachments(attach)
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        number, publication = tracker.appeal(code, text, day, dated=on is not None, attachments=files)
    render.info(
        t(
            "recorded appeal #{id} of {unit} against publication {number} (window until {closes})",
            id=number,
            unit=code,
            number=publication.number,
            closes=publication.window_closes,
        )
    )


appeals_app = typer.Typer(
    help=N_("Units' appeals against the published result, and the office's decisions."),
    invoke_without_command=True,
)


@appeals_app.callback()
def appeals(
    ctx: typer.Context, unit: UnitOpt = None, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False
) -> None:
    """Every appeal of the year: pending, upheld or rejected, with the decision's reason, who and when."""
    if ctx.invoked_subcommand is not None:
        return
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        found = tracker.appeals(code)
    rows = listings.appeal_rows(found)
    emit(
        fmt,
        data={"plan_year": plan.year, "appeals": rows},
        rows=lambda: listings.flat_rows(rows),
        columns=listings.APPEAL_COLUMNS,
        table=lambda: render.appeals_table(plan, found, t("Appeals of {year}", year=plan.year)),
        bom=not no_bom,
    )


@appeals_app.command("decide")
def appeals_decide(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(metavar="ID", **ID_RANGE, help=N_("The appeal, as `appeals` lists it."))],
    uphold: Annotated[
        bool, typer.Option("--uphold", help=N_("The appeal is upheld: the result is corrected."))
    ] = False,
    reject: Annotated[bool, typer.Option("--reject", help=N_("The appeal is rejected: the result stands."))] = False,
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why (required)."))] = "",
    refs: Annotated[
        list[str] | None,
        typer.Option(
            "--ref", metavar="ID", help=N_("A correction it was followed by (an adjustment or entry id); repeat.")
        ),
    ] = None,
    on: OnOpt = None,
) -> None:
    """Decide an appeal once: uphold it (then correct: `score add|void`, a catch-up, a return), or reject it."""
    if uphold == reject:
        raise BadInput(t("give --uphold or --reject (one of them)"))
    reason = required_remark(reason, "--reason")
    named = [required_remark(ref, "--ref") for ref in refs or []]
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        tracker.decide_appeal(number, uphold, reason, named, day)
    render.info(t("appeal #{id} is upheld", id=number) if uphold else t("appeal #{id} is rejected", id=number))


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
    item, basis = required_remark(item, "--item"), required_remark(basis, "--basis")
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
    yes: YesOpt = False,
) -> None:
    """Veto a unit's grade: it gets the veto grade, ranked at its score."""
    reason = required_remark(reason, "--reason")
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        name = known_unit(tracker.plan, unit).display_name(language())
        grade = tracker.plan.assessment.vetoed_grade
        confirmed(t("Record a veto of {unit}: graded {grade} whatever its score?", unit=name, grade=grade), yes)
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
    reason = required_remark(reason, "--reason")
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
    quiet: QuietOpt = False,
) -> None:
    """The year-end export for scripts and people: JSON, CSV or XLSX; stdout unless --out."""
    from ecotrack.listings import year_export_bytes

    if fmt is ExportFormat.csv and table is None:
        raise BadInput(
            t("--format csv exports one table: give --table ({tables})", tables=", ".join(listings.EXPORT_TABLES))
        )
    if table is not None and table not in (*listings.EXPORT_TABLES, listings.NOTES_TABLE):
        raise BadInput(
            t("unknown table '{table}': choose one of {tables}", table=table, tables=", ".join(listings.EXPORT_TABLES))
        )
    if fmt is ExportFormat.xlsx and out is None and sys.stdout.isatty():
        raise BadInput(t("an XLSX workbook is binary: give --out FILE.xlsx, or redirect stdout to a file"))
    day = as_of_date(as_of)
    with render.working(t("exporting the year"), quiet=quiet), open_tracker(ctx) as tracker:
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
    quiet: QuietOpt = False,
) -> None:
    """A consistent copy of the SQLite database, taken while others may be writing."""
    from ecotrack.tracker import backup_database

    with render.working(t("copying the database"), quiet=quiet):
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
    app.command(rich_help_panel=PANEL)(appeal)
    app.add_typer(appeals_app, name="appeals", rich_help_panel=PANEL)
    app.command(rich_help_panel=PANEL)(export)
    app.command(rich_help_panel=PANEL)(backup)
