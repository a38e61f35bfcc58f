"""The clerk's commands: who reports what (`units`, `targets`), filing (`report`, `template`,
`import`) and the record (`history`)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli import complete
from ecotrack.cli.lazy import listings, render
from ecotrack.cli.options import (
    FormatOpt,
    NoBomOpt,
    OutputFormat,
    PeriodOpt,
    QuietOpt,
    TargetOpt,
    UnitOpt,
    parse_moment,
    writable_place,
)
from ecotrack.cli.output import emit, write_bytes, write_file
from ecotrack.cli.workspace import known_target, known_unit, open_tracker
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, language, t, tn

if TYPE_CHECKING:
    from ecotrack.plan import Target
    from ecotrack.tracker import Tracker
    from ecotrack.tracker.inputs import NewEntry

PANEL = N_("Filing (clerks)")
OfficeOpt = Annotated[
    bool,
    typer.Option(
        "--office",
        help=N_("The office files it: accepted at once; into a locked month with --reason (a catch-up)."),
    ),
]


def units(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """Who is in the plan: each unit with what it leads and supports."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        rows = listings.unit_rows(plan)
        emit(
            fmt,
            data={"plan_year": plan.year, "units": rows},
            rows=lambda: rows,
            columns=listings.UNIT_COLUMNS,
            table=lambda: render.units_table(plan),
            bom=not no_bom,
        )


def targets(
    ctx: typer.Context, unit: UnitOpt = None, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False
) -> None:
    """What a unit must report: one row per assignment."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            unit = known_unit(plan, unit).code
        rows = listings.target_rows(plan, unit)
        title = (
            t("Targets of the {year} plan", year=plan.year)
            if unit is None
            else t("Targets of {unit} in {year}", year=plan.year, unit=known_unit(plan, unit).display_name(language()))
        )
        # a unit sees what the office returned to it and it has not filed again (SPEC §9)
        returned = tracker.returned(unit) if unit is not None else []
        data: dict[str, object] = {"plan_year": plan.year, "targets": rows}
        if unit is not None:
            data["returned"] = returned

        def table() -> None:
            render.targets_table(plan, unit, title)
            render.returned_entries(plan, returned)

        emit(fmt, data=data, rows=lambda: rows, columns=listings.TARGET_COLUMNS, table=table, bom=not no_bom)


def history(
    ctx: typer.Context,
    unit: UnitOpt = None,
    target: TargetOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Every entry, corrections included, oldest first; superseded ones marked."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            unit = known_unit(plan, unit).code
        if target is not None:
            known_target(plan, target)
        entries = tracker.history(unit, target)
        # SPEC §17: the supporting units' notes, of the unit (as a supporting unit, and on the targets it leads)
        notes = tracker.support_notes(unit, target, leading=True)
        data: dict[str, object] = {"plan_year": plan.year, "entries": entries}
        if plan.supporting_reports or notes:
            data["notes"] = listings.note_rows(plan, notes)

        def table() -> None:
            render.history_table(plan, entries)
            if notes:
                render.notes_table(plan, notes, t("Supporting units' notes of {year}, oldest first", year=plan.year))

        emit(
            fmt,
            data=data,
            rows=lambda: [vars(e) for e in entries],
            columns=listings.HISTORY_COLUMNS,
            table=table,
            bom=not no_bom,
        )


def _previous_month(today: date) -> str:
    from ecotrack.plan import period_label

    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return period_label(year, month)


def report(
    ctx: typer.Context,
    unit: Annotated[
        str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("Your unit's code."), autocompletion=complete.units)
    ],
    target: TargetOpt = None,
    period: PeriodOpt = None,
    value: Annotated[
        str | None, typer.Option("--value", "-v", metavar="V", help=N_("The level at the end of the period."))
    ] = None,
    done: Annotated[bool, typer.Option("--done", help=N_("Milestone done (or a quantity's full amount)."))] = False,
    note: Annotated[str, typer.Option("--note", "-n", help=N_("A remark for the office."))] = "",
    by: Annotated[
        str | None,
        typer.Option("--by", envvar="ECOTRACK_USER", metavar="NAME", help=N_("Who reports (default: your account).")),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help=N_("When it was reported, for paper reports (default: now).")),
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            "-r",
            metavar="TEXT",
            help=N_("Why a paper report is filed after the fact, or why the office files into a locked month."),
        ),
    ] = "",
    office: OfficeOpt = False,
    attach: Annotated[
        list[Path] | None,
        typer.Option("--attach", "-a", metavar="FILE", help=N_("A file to keep with the entry (20 MiB at most).")),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            metavar="TEXT",
            help=N_("A supporting unit's monthly note on a target it supports (no value; plan.supporting_reports)."),
        ),
    ] = None,
) -> None:
    """File one entry, or a supporting unit's note (--text); with only --unit on a terminal, the monthly form."""
    from ecotrack.cli.options import read_attachments

    if text is not None:
        _refuse_with_text(value, done, note, attach, target, period)
    files = read_attachments(attach)
    now = datetime.now()
    reported_at = parse_moment(on, "--on") if on is not None else now
    with open_tracker(ctx) as tracker:
        reporter = by or tracker.recorder()
        unit = known_unit(tracker.plan, unit).code
        tracker.require_unit(unit)
        if on is not None:
            tracker.require_office("--on")
        if text is not None:
            assert target is not None and period is not None
            from ecotrack.tracker.inputs import read_period

            filed = tracker.check_note(
                unit, target, read_period(period, "--period"), text, reporter, reported_at, now, reason
            )
            tracker.file([], as_office=office, notes=[filed])
            render.filed_note(tracker.plan, filed)
            return
        if target is None and value is None and not done:
            if not sys.stdin.isatty():
                raise BadInput(t("give --target, --period and --value (or --done); the monthly form needs a terminal"))
            entries = _monthly_form(
                tracker, unit, period or _previous_month(reported_at.date()), note, reporter, reported_at, now, reason
            )
        else:
            if target is None or period is None or (value is None and not done):
                raise BadInput(t("give --target, --period and --value (or --done)"))
            if value is not None and done:
                raise BadInput(t("give --value or --done, not both"))
            entries = [_one_entry(tracker, unit, target, period, value, note, reporter, reported_at, now, reason)]
        if not entries:
            render.info(t("nothing filed"))
            return
        tracker.file(entries, as_office=office, attachments=files)
        render.filed_entries(tracker.plan, entries, waits=tracker.plan.review.required and not office)


def _refuse_with_text(
    value: str | None, done: bool, note: str, attach: list[Path] | None, target: str | None, period: str | None
) -> None:
    """A supporting unit's note is text alone (SPEC §17): no value, no remark beside it, no file."""
    if value is not None or done:
        raise BadInput(t("--text files a supporting unit's note, which has no value: give --text or --value/--done"))
    if note:
        raise BadInput(t("--note goes with an entry; a supporting unit's note is its --text"))
    if attach:
        raise BadInput(t("--attach goes with an entry; a supporting unit's note takes no file"))
    if target is None or period is None:
        raise BadInput(t("give --target and --period with --text"))


def _checked(
    tracker: Tracker,
    unit: str,
    target_code: str,
    period_text: str,
    value: float,
    note: str,
    reporter: str,
    reported_at: datetime,
    now: datetime,
    reason: str,
) -> NewEntry:
    """One entry checked as an import row would be; a level falling back is warned about (SPEC §4)."""
    from ecotrack.tracker.inputs import read_period

    entry, warnings = tracker.check_entry(
        unit, target_code, read_period(period_text), value, note, reporter, reported_at, now, reason
    )
    for warning in warnings:
        render.warning(warning)
    return entry


def _one_entry(
    tracker: Tracker,
    unit: str,
    target_code: str,
    period: str,
    value_text: str | None,
    note: str,
    reporter: str,
    reported_at: datetime,
    now: datetime,
    reason: str,
) -> NewEntry:
    from ecotrack.tracker.inputs import read_value

    target = known_target(tracker.plan, target_code, unit)
    assignment = target.assignment(unit)
    if value_text is None:  # --done: a milestone's 1, a quantity's full amount
        value = 1.0 if target.is_milestone or assignment is None else assignment.amount
    else:
        value = read_value(value_text, "--value")
    return _checked(tracker, unit, target_code, period, value, note, reporter, reported_at, now, reason)


YES = ("y", "yes", "1", "是", "已完成")
NO = ("n", "no", "0", "否", "未完成")


def _prompt(target: Target) -> str:
    """What the form asks for, by the kind of target: yes or no, a level now, or the work done so far."""
    if target.is_milestone:
        return t("  done? y/n (是/否)")
    if target.baseline > 0 or (target.measure or "").strip() in ("%", "％"):
        return t("  the level now, at the end of the month")  # a rate or an emission level: not cumulative
    return t("  done so far this year, up to the end of the month")


def _milestone_answer(answer: str) -> float:
    """A milestone's yes or no as 1 or 0."""
    text = answer.strip().lower()
    if text in YES:
        return 1.0
    if text in NO:
        return 0.0
    raise BadInput(t("answer y or n (是 or 否)"))


def _monthly_form(
    tracker: Tracker,
    unit: str,
    period: str,
    note: str,
    reporter: str,
    reported_at: datetime,
    now: datetime,
    reason: str,
) -> list[NewEntry]:
    """Ask for each open target of the month, showing its last value; nothing is filed until confirmed."""
    from ecotrack.tracker.inputs import read_period, read_value

    plan = tracker.plan
    year, month = read_period(period, "--period")
    open_targets = tracker.open_targets(unit, month) if year == plan.year else []
    unit_name = known_unit(plan, unit).display_name(language())
    if not open_targets:
        render.info(t("{unit} has no open target for {period}: nothing to report", unit=unit_name, period=period))
        return []
    render.info(
        tn(
            "Monthly report of {unit} for {period}: {count} target (Enter skips it)",
            "Monthly report of {unit} for {period}: {count} targets (Enter skips one)",
            unit=unit_name,
            period=period,
            count=len(open_targets),
        )
    )
    entries: list[NewEntry] = []
    returned = {(e.target, e.period): e for e in tracker.returned(unit)}
    for row in open_targets:
        target = row.target
        render.form_target(plan, row, period, returned.get((target.code, period)))
        while True:
            answer = render.ask(_prompt(target)).strip()
            if not answer:
                break
            try:
                value = _milestone_answer(answer) if target.is_milestone else read_value(answer)
                entries.append(
                    _checked(tracker, unit, target.code, period, value, note, reporter, reported_at, now, reason)
                )
                break
            except BadInput as bad:
                render.error([str(bad)])
    render.form_entries(plan, entries)
    if entries and not render.confirm(tn("File this entry?", "File these {count} entries?", count=len(entries))):
        return []
    return entries


def template(
    ctx: typer.Context,
    unit: Annotated[
        str,
        typer.Option(
            "--unit", "-u", metavar="UNIT", help=N_("The unit the form is for."), autocompletion=complete.units
        ),
    ],
    period: Annotated[str, typer.Option("--period", "-p", metavar="YYYY-MM", help=N_("The month to report."))],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            callback=writable_place,
            metavar="FILE.csv|FILE.xlsx",
            help=N_("Write the form here (default: CSV on stdout)."),
        ),
    ] = None,
    no_bom: NoBomOpt = False,
) -> None:
    """A blank monthly form for a unit, its open targets filled in, for `import`."""
    from ecotrack import exports
    from ecotrack.forms import template_rows
    from ecotrack.tracker.inputs import read_period

    suffix = out.suffix.lower() if out is not None else ".csv"
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(t("--out {path}: write a .csv or .xlsx file", path=out))
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        unit = known_unit(plan, unit).code
        year, month = read_period(period, "--period")
        if year != plan.year:
            raise BadInput(t("period {period} is outside the plan year {year}", period=period, year=plan.year))
        columns, rows = template_rows(
            plan, unit, month, tracker.open_targets(unit, month), chinese=language() == "zh", noted=tracker.noted(unit)
        )
    from ecotrack.plan import period_label

    if suffix == ".xlsx":
        data = exports.xlsx_bytes(
            [
                exports.Sheet(
                    title=f"{unit} {period_label(year, month)}", columns=columns, rows=rows, text_columns=set(columns)
                )
            ]
        )
    else:
        data = exports.csv_bytes(rows, columns, bom=not no_bom)
    if out is None:
        write_bytes(data)
    else:
        write_file(out, data)
        render.info(
            tn(
                "wrote {path}: {count} target to fill in",
                "wrote {path}: {count} targets to fill in",
                path=out,
                count=len(rows),
            )
        )


def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help=N_("CSV or XLSX, English or Chinese headers."))],
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", metavar="NAME", help=N_("CSV encoding (default: detected; UTF-8 or GB18030).")),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Check every row, file nothing."))] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            envvar="ECOTRACK_USER",
            metavar="NAME",
            help=N_("Reporter for rows that name none (default: your account)."),
        ),
    ] = None,
    office: OfficeOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Import a monthly form: all rows or none; every bad row named by its line."""
    from ecotrack.tracker.inputs import open_form

    now = datetime.now()
    with open_tracker(ctx) as tracker, open_form(file, str(file), encoding) as source:
        with render.progress(source.size, t("checking rows"), threshold=1 << 20, quiet=quiet) as advance:
            result = tracker.check_import(
                source, now, by or tracker.recorder(), lambda: advance(source.position()), keep=not dry_run
            )
        render.import_checked(file, tracker.earlier_imports(source.sha256), result)
        if dry_run:
            render.info(
                tn(
                    "{path}: the {count} row is good; nothing filed (--dry-run)",
                    "{path}: all {count} rows are good; nothing filed (--dry-run)",
                    count=result.checked,
                    path=file,
                )
            )
            return
        report = tracker.file_import(
            result.entries,
            file_name=file.name,
            sha256=source.sha256,
            rows=result.rows,
            as_office=office,
            notes=result.notes,
        )
        waits = tracker.plan.review.required and not office
    render.import_filed(file, report, source.encoding, waits=waits)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(report)
    app.command(rich_help_panel=PANEL)(template)
    app.command("import", rich_help_panel=PANEL)(import_file)
    app.command(rich_help_panel=PANEL)(history)
    app.command(rich_help_panel=PANEL)(units)
    app.command(rich_help_panel=PANEL)(targets)
