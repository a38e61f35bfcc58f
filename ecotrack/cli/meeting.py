"""The office's commands for the monthly meeting: `status` (and the meeting's lists and notices)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecotrack.cli.lazy import listings, render
from ecotrack.cli.options import (
    ID_RANGE,
    AsOfOpt,
    FormatOpt,
    NoBomOpt,
    OnOpt,
    OutputFormat,
    UnitOpt,
    YesOpt,
    as_of_date,
    confirmed,
    done_on,
    parse_day,
    remark,
    writable_place,
)
from ecotrack.cli.output import emit, write_file
from ecotrack.cli.workspace import evaluate, known_target, known_task, known_unit, open_tracker
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, t, tn

if TYPE_CHECKING:
    from datetime import date

    from ecotrack.plan import Plan
    from ecotrack.tracker import Tracker
    from ecotrack.tracker.inputs import Editorial

PANEL = N_("The monthly meeting (office)")


class DocumentLanguage(StrEnum):
    zh = "zh"
    en = "en"


DocxOpt = Annotated[
    bool, typer.Option("--docx", help=N_("Write the Word file laid out per GB/T 9704 instead of Markdown."))
]
FolderOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        callback=writable_place,
        metavar="DIR",
        file_okay=False,
        help=N_("Write the document into this folder (a notice's, as circulated)."),
    ),
]
TaskOpt = Annotated[str | None, typer.Option("--task", "-k", metavar="TASK", help=N_("A task code, e.g. 2."))]


def status(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    unit: UnitOpt = None,
    task: TaskOpt = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", "-t", metavar="TARGET", help=N_("A target's code, e.g. 3.1 (with --unit: its trajectory).")
        ),
    ] = None,
    totals: Annotated[
        bool,
        typer.Option("--totals", help=N_("Add the district totals: per target, the sums over its units.")),
    ] = False,
    board: Annotated[
        bool,
        typer.Option(
            "--board", help=N_("The board: each unit's light (red, yellow, green) and rank, against the month before.")
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help=N_("Every unit's table of its assignments (without --unit or --target the table is one line a unit)."),
        ),
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Each assignment: amount, actual, expected level, progress and status (for people, one line a unit)."""
    from ecotrack.exports import plain
    from ecotrack.listings import TOTALS_COLUMNS, district_totals

    day = as_of_date(as_of)
    if board:
        if unit is not None or task is not None or target is not None or totals:
            raise BadInput(t("--board shows every unit: it takes no --unit, --task, --target or --totals"))
        status_board(ctx, day, fmt, no_bom)
        return
    trajectory = None
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        if task is not None:
            known_task(plan, task)
        chosen = known_target(plan, target, code).code if target is not None else None
        evaluation = tracker.evaluate(day)
        if code is not None and chosen is not None and fmt is OutputFormat.table:
            (trajectory,) = tracker.trajectories(day, [(code, chosen)])
        # the lead unit sees what its supporting units say of its targets (SPEC §17)
        notes = tracker.partner_notes(code, day) if code is not None else []
    rows = [
        r for r in evaluation.rows if code in (None, r.unit) and task in (None, r.task) and chosen in (None, r.target)
    ]
    notes = [n for n in notes if n.target in {r.target for r in rows}]
    summed = district_totals(plan, rows) if totals else None
    emit(
        fmt,
        data=listings.status_data(
            plan,
            day,
            evaluation.evaluation_month,
            rows,
            summed,
            listings.amendment_rows(evaluation.amended, code),
            listings.partner_note_rows(plan, notes) if code is not None and plan.supporting_reports else None,
        ),
        # CSV is one table: with --totals it is the totals, the line an office reports upward
        rows=(lambda: [plain(total) for total in summed or []]) if totals else (lambda: [plain(r) for r in rows]),
        columns=TOTALS_COLUMNS if totals else listings.STATUS_COLUMNS,
        # the meeting on one screen; the tables of every assignment with --full, or of one unit or target
        table=lambda: render.status_report(
            plan,
            day,
            evaluation.evaluation_month,
            rows,
            trajectory,
            summed,
            evaluation.amended,
            code,
            notes,
            summary=None if full or code is not None or chosen is not None else evaluation.filings,
        ),
        bom=not no_bom,
    )


def status_board(ctx: typer.Context, day: date, fmt: OutputFormat, no_bom: bool) -> None:
    """`status --board`: the 亮灯 board as of a day."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        shown = tracker.board(day)
    emit(
        fmt,
        data=listings.board_data(plan, shown),
        rows=lambda: listings.board_rows(shown),
        columns=listings.BOARD_COLUMNS,
        table=lambda: render.board_table(plan, shown),
        bom=not no_bom,
    )


def filings(
    ctx: typer.Context, as_of: AsOfOpt = None, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False
) -> None:
    """The units × months grid of monthly-report statuses (on time, late, missing, pending, not required)."""
    day = as_of_date(as_of)
    plan, evaluation, _ = evaluate(ctx, day)
    units = evaluation.filings
    months = list(units[0].months) if units else []
    emit(
        fmt,
        data={"plan_year": plan.year, "as_of": day, "units": units},
        rows=lambda: [{"unit": u.unit, "unit_name": u.unit_name, **u.months} for u in units],
        columns=["unit", "unit_name", *months],
        table=lambda: render.filings_grid(
            plan, units, t("Monthly reports of {year} as of {as_of}", year=plan.year, as_of=day.isoformat())
        ),
        bom=not no_bom,
    )


def overdue(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    unit: UnitOpt = None,
    exit_code: Annotated[bool, typer.Option("--exit-code", help=N_("Exit 1 when any unit is listed."))] = False,
    brief: Annotated[
        bool, typer.Option("--brief", help=N_("One line per unit with its reasons, for the projector."))
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """The overdue units: behind targets and missing monthly reports, most reasons first."""
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            unit = known_unit(plan, unit).code
        found = tracker.overdue(day)
    listed = [u for u in found.units if unit in (None, u.unit)]
    emit(
        fmt,
        data=listings.overdue_data(plan, day, found.evaluation_month, listed),
        rows=lambda: listings.overdue_rows(listed),
        columns=listings.OVERDUE_COLUMNS,
        table=lambda: render.overdue_report(
            plan, day, found.evaluation_month, listed, found.documents, brief=brief, matters=found.matters
        ),
        bom=not no_bom,
    )
    if exit_code and listed:
        raise typer.Exit(1)


def notice(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    out: FolderOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Draft and print; record nothing."))] = False,
    document_lang: Annotated[
        DocumentLanguage, typer.Option("--document-lang", case_sensitive=False, help=N_("Language of the document."))
    ] = DocumentLanguage.zh,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", metavar="UNIT[=REASON]", help=N_("Leave out a unit the rules name, with its reason.")
        ),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add",
            metavar="UNIT[=REASON]",
            help=N_("Name a unit the rules do not (e.g. for weak measures), with its reason."),
        ),
    ] = None,
    commend: Annotated[
        list[str] | None, typer.Option("--commend", metavar="UNIT", help=N_("Praise a unit that is ahead."))
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", "-r", metavar="TEXT", help=N_("The reason for each --exclude or --add that gives none.")
        ),
    ] = "",
    dated: Annotated[
        str | None,
        typer.Option(
            "--dated",
            metavar="YYYY-MM-DD",
            help=N_("Its 成文日期 (default: the as-of date; not before it): rectification is due from it."),
        ),
    ] = None,
    docx: DocxOpt = False,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
    yes: YesOpt = False,
) -> None:
    """Draft, number and record a notice naming the overdue units; print or write its document."""
    from ecotrack.circulation import IntoFolder

    day = as_of_date(as_of)
    written_on = parse_day(dated, "--dated") if dated is not None else None
    reason = _reason(reason)
    if reason and not (exclude or add):
        raise BadInput(t("--reason goes with --exclude or --add"))
    _check_folder(out, docx)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        publish = IntoFolder(out, plan, docx=docx) if out is not None else None
        editorial = _editorial(plan, exclude, add, commend, reason)
        if not dry_run and not yes:
            _ask_to_record(tracker, day, document_lang.value, editorial, written_on)
        drafted = tracker.issue_notice(
            day, document_lang.value, dry_run=dry_run, publish=publish, editorial=editorial, dated=written_on
        )
        awaiting = drafted is not None and drafted.recorded and plan.notices.require_signature
        month = tracker.evaluation_month(day)  # there is one: without it the notice is refused
    if drafted is not None and (out is None or fmt is not OutputFormat.table):
        # a script that asks for JSON or CSV gets the record on stdout, wherever the document went
        _show_notice(fmt, drafted.notice.as_json(), drafted.document, not no_bom)
    render.notice_outcome(day, month, drafted, publish.written if publish is not None else [])
    if drafted is not None:
        render.left_out_note(drafted.notice)
    if awaiting and drafted is not None:
        render.info(
            t(
                "it awaits its signature: `ecotrack notices sign {number}` circulates it (notices.require_signature)",
                number=drafted.notice.number,
            )
        )


def _ask_to_record(tracker: Tracker, day: date, lang: str, editorial: Editorial, dated: date | None) -> None:
    """Show what the notice would record, and ask (a number once taken is never given again)."""
    from ecotrack.cli.options import can_ask

    if not can_ask():
        confirmed(t("Record the notice as of {as_of}?", as_of=day.isoformat()), yes=False)
    draft = tracker.issue_notice(day, lang, dry_run=True, editorial=editorial, dated=dated)
    if draft is None:
        return  # nobody to name: nothing will be recorded
    units = draft.notice.units
    confirmed(
        tn(
            "Record notice {number} naming {count} unit ({names})?",
            "Record notice {number} naming {count} units ({names})?",
            count=len(units),
            number=draft.notice.document_number,
            names=", ".join(u.unit_name for u in units),
        ),
        yes=False,
    )


def _check_folder(out: Path | None, docx: bool) -> None:
    """`--out DIR` is a folder, and `--docx` needs one (`notice` and `notices sign` write a notice into it)."""
    if out is not None and out.exists() and not out.is_dir():
        raise BadInput(t("--out {path} is a file, not a folder", path=out))
    if docx and out is None:
        raise BadInput(t("--docx writes a file: give the folder with --out DIR"))


def _editorial(
    plan: Plan, exclude: list[str] | None, add: list[str] | None, commend: list[str] | None, reason: str
) -> Editorial:
    """The office's hand on the notice (SPEC §10), from --exclude, --add, --commend and --reason."""
    from ecotrack.tracker.inputs import Editorial

    editorial = Editorial(
        excluded=_with_reasons(plan, "--exclude", exclude, reason),
        added=_with_reasons(plan, "--add", add, reason),
        commended=tuple(dict.fromkeys(known_unit(plan, u).code for u in commend or [])),
    )
    both = set(editorial.excluded) & set(editorial.added)
    if both:
        raise BadInput(t("--exclude and --add both name {units}", units=", ".join(sorted(both))))
    return editorial


notices_app = typer.Typer(help=N_("The notices issued this year, or one again."), invoke_without_command=True)


@notices_app.callback()
def notices(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """The notices issued in the plan year, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        issued = tracker.notices()
    data = {
        "plan_year": plan.year,
        "notices": [
            {
                **n.content,
                "issued_at": n.issued_at,
                "issued_by": n.issued_by,
                "void": n.voided is not None,
                **listings.signature_data(n, required=plan.notices.require_signature),
            }
            for n in issued
        ],
    }

    def table() -> None:
        if issued:
            render.notices_table(plan, issued, t("Notices of {year}", year=plan.year))
        else:
            render.info(t("no notice issued in {year} yet", year=plan.year))

    emit(
        fmt,
        data=data,
        rows=lambda: listings.issued_notice_rows(issued, plan.year),
        columns=listings.NOTICES_COLUMNS,
        table=table,
        bom=not no_bom,
    )


@notices_app.command("show")
def show_notice(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(metavar="N", **ID_RANGE, help=N_("The notice's number in the year."))],
    docx: DocxOpt = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            callback=writable_place,
            metavar="FILE",
            dir_okay=False,
            help=N_("The Word file to write (with --docx)."),
        ),
    ] = None,
    document_lang: Annotated[
        DocumentLanguage | None,
        typer.Option(
            "--document-lang",
            case_sensitive=False,
            help=N_("Language of the Word file (default: the notice's own)."),
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Print notice N again, from the record, exactly as it was circulated."""
    if docx != (out is not None):
        raise BadInput(t("--docx and --out FILE go together: the Word file is written to FILE"))
    if document_lang is not None and not docx:
        raise BadInput(t("--document-lang goes with --docx: the Markdown is printed as it was circulated"))
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        chosen = tracker.issued_notice(number)
    if out is not None:
        from ecotrack.circulation import word_file

        write_file(out, word_file(plan, chosen.notice, document_lang.value if document_lang else None))
        render.info(t("wrote {path}", path=out))
    if chosen.voided is not None and (out is not None or fmt is OutputFormat.table):
        render.void_notice_warning(chosen, detailed=out is None)
    if out is None:
        _show_notice(fmt, listings.issued_notice_data(chosen), chosen.document, not no_bom)
    if fmt is OutputFormat.table:
        render.left_out_note(chosen.notice)


@notices_app.command("sign")
def sign_notice(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(metavar="N", **ID_RANGE, help=N_("The notice's number in the year."))],
    on: OnOpt = None,
    out: FolderOpt = None,
    docx: DocxOpt = False,
) -> None:
    """Record the office's signature (签发) of notice N; with --out, write its document for circulation."""
    from ecotrack.circulation import IntoFolder

    day = done_on(on)
    _check_folder(out, docx)
    with open_tracker(ctx) as tracker:
        publish = IntoFolder(out, tracker.plan, docx=docx) if out is not None else None
        signed = tracker.sign_notice(number, day, publish)
    render.info(t("notice {number} signed on {on}", number=signed.document_number, on=day.isoformat()))
    for path in publish.written if publish is not None else []:
        render.info(t("wrote {path}", path=path))


@notices_app.command("void")
def void_notice(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(metavar="N", **ID_RANGE, help=N_("The notice's number in the year."))],
    reason: Annotated[
        str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why it is void (required, recorded)."))
    ] = "",
) -> None:
    """Void a notice issued in error: it stays in the record, marked void, and counts nowhere."""
    reason = _reason(reason)
    if not reason:
        raise BadInput(t("--reason is required: say why the notice is void"))
    with open_tracker(ctx) as tracker:
        tracker.void_notice(number, reason)
        shown = next(n.document_number for n in tracker.notices() if n.number == number)
    render.info(t("notice {number} is void: it counts nowhere, and its number is not used again", number=shown))


def _with_reasons(plan: Plan, option: str, values: list[str] | None, shared: str) -> dict[str, str]:
    """`UNIT=REASON` or `UNIT` (then --reason) for each value, by unit code; every unit needs a reason."""
    chosen: dict[str, str] = {}
    for value in values or []:
        code, _, inline = value.partition("=")
        unit = known_unit(plan, code.strip()).code
        reason = _reason(inline) or shared
        if not reason:
            raise BadInput(
                t("{option} {unit} needs a reason: {option} {unit}=REASON, or --reason TEXT", option=option, unit=unit)
            )
        chosen[unit] = reason
    return chosen


def _reason(text: str) -> str:
    return remark(text, "--reason")


def _show_notice(fmt: OutputFormat, data: dict[str, Any], document: str, bom: bool) -> None:
    emit(
        fmt,
        data=data,
        rows=lambda: listings.notice_rows(data),
        columns=listings.NOTICE_COLUMNS,
        table=lambda: render.document(document),
        bom=bom,
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(status)
    app.command(rich_help_panel=PANEL)(filings)
    app.command(rich_help_panel=PANEL)(overdue)
    app.command(rich_help_panel=PANEL)(notice)
    app.add_typer(notices_app, name="notices", rich_help_panel=PANEL)
