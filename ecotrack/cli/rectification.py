"""Rectification (整改) and chasing (催办), SPEC §10: `rectify`, `rectifications` (`close`, `return`),
`remind` and `attachment`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    UnitOpt,
    as_of_date,
    done_on,
    read_attachments,
    remark,
    writable_place,
)
from ecotrack.cli.output import emit, write_bytes, write_file
from ecotrack.cli.workspace import known_unit, open_tracker
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, language, t, tn

if TYPE_CHECKING:
    from ecotrack.results import Reminder

PANEL = N_("Rectification (units and office)")

NoticeOpt = Annotated[
    int, typer.Option("--notice", "-N", metavar="N", **ID_RANGE, help=N_("The notice's number in the year."))
]
RequiredUnit = Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit the notice named."))]


def rectify(
    ctx: typer.Context,
    notice: NoticeOpt,
    unit: RequiredUnit,
    text: Annotated[
        str, typer.Option("--text", metavar="TEXT", help=N_("What the unit did to put things right."))
    ] = "",
    attach: AttachOpt = None,
    on: OnOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", envvar="ECOTRACK_USER", metavar="NAME", help=N_("Who reports (default: your account).")),
    ] = None,
) -> None:
    """File a named unit's rectification report on its notice; the latest report is its answer."""
    text = remark(text, "--text")
    if not text:
        raise BadInput(t("--text is required: say what the unit did"))
    files = read_attachments(attach)
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        tracker.rectify(notice, code, text, files, day, by or tracker.recorder())
    render.info(t("rectification of {unit} for notice {number} filed", unit=code, number=notice))


rectifications_app = typer.Typer(
    help=N_("Rectification items of the notices, and the office closing or returning them."),
    invoke_without_command=True,
)


@rectifications_app.callback()
def rectifications(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help=N_("Only items not closed or answered."))] = False,
    unit: UnitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Every unit a notice named, with its rectification's due date and state as of a date."""
    if ctx.invoked_subcommand is not None:
        return
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        items = tracker.rectifications(day, code)
    if open_only:
        items = [item for item in items if item.state in ("open", "overdue", "reopened")]
    rows = listings.rectification_rows([(item.stored, item.due, item.state) for item in items])
    emit(
        fmt,
        data={"plan_year": plan.year, "as_of": day, "items": rows},
        rows=lambda: listings.flat_rows(rows),
        columns=listings.RECTIFICATION_COLUMNS,
        table=lambda: render.rectifications_table(plan, items, t("Rectification as of {as_of}", as_of=day.isoformat())),
        bom=not no_bom,
    )


NumberArg = Annotated[int, typer.Argument(metavar="N", **ID_RANGE, help=N_("The notice's number in the year."))]


@rectifications_app.command("close")
def close_item(
    ctx: typer.Context,
    number: NumberArg,
    unit: RequiredUnit,
    note: Annotated[str, typer.Option("--note", "-n", metavar="TEXT", help=N_("The office's finding."))] = "",
    override: Annotated[
        bool,
        typer.Option(
            "--override", help=N_("Close it though the data does not show the fault cured (with --note, recorded).")
        ),
    ] = False,
    on: OnOpt = None,
) -> None:
    """Close a unit's rectification item of notice N (销号, final), once the data shows each reason it was
    named for cured."""
    note = remark(note, "--note")
    if override and not note:
        raise BadInput(t("--override needs --note TEXT: say why it is closed though the data does not show it cured"))
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        tracker.decide_item(number, code, "closed", note, day, override=override)
    if override:
        render.info(t("closed by override: {unit}'s rectification of notice {number}", unit=code, number=number))
    else:
        render.info(t("closed: {unit}'s rectification of notice {number}", unit=code, number=number))


@rectifications_app.command("return")
def return_item(
    ctx: typer.Context,
    number: NumberArg,
    unit: RequiredUnit,
    reason: Annotated[
        str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("What is missing from the answer (required)."))
    ] = "",
    on: OnOpt = None,
) -> None:
    """Return a unit's rectification answer: the item is reopened until it is answered again."""
    reason = remark(reason, "--reason")
    if not reason:
        raise BadInput(t("--reason is required: say what is missing from the answer"))
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        tracker.decide_item(number, code, "reopened", reason, day)
    render.info(t("returned: {unit}'s rectification of notice {number} is reopened", unit=code, number=number))


class RemindFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    text = "text"


def remind(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    days: Annotated[int, typer.Option("--days", "-d", min=0, max=366, help=N_("How many days ahead to look."))] = 3,
    fmt: Annotated[
        RemindFormat,
        typer.Option(
            "--format", "-f", case_sensitive=False, help=N_("table, json, csv, or text: one message per unit.")
        ),
    ] = RemindFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Chase units whose monthly report or rectification is due within N days and not yet filed."""
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        reminders = tracker.remind(day, days)
    if fmt is RemindFormat.text:
        for reminder in reminders:
            render.plain(_message(plan.display_office(language()), reminder))
        return
    rows = listings.remind_rows(
        [(r.unit, r.reports, r.rectifications, r.due, [m.id for m in r.matters]) for r in reminders]
    )
    emit(
        OutputFormat(fmt.value),
        data={"plan_year": plan.year, "as_of": day, "units": rows},
        rows=lambda: listings.flat_rows(rows),
        columns=listings.REMIND_COLUMNS,
        table=lambda: render.remind_table(
            plan,
            reminders,
            tn(
                "Due within {count} day of {as_of}, not yet filed",
                "Due within {count} days of {as_of}, not yet filed",
                count=days,
                as_of=day.isoformat(),
            ),
        ),
        bom=not no_bom,
    )


def _message(office: str, reminder: Reminder) -> str:
    """One ready message for SMS or chat, in the interface language."""
    lang = language()
    unit = reminder.unit
    whom = unit.display_name(lang) + (f" {unit.contact.name}" if unit.contact else "")
    parts: list[Any] = []
    if reminder.reports:
        parts.append(t("the monthly report for {months}", months=", ".join(reminder.reports)))
    if reminder.rectifications:
        parts.append(
            t("the rectification asked by notice {numbers}", numbers=", ".join(map(str, reminder.rectifications)))
        )
    for matter in reminder.matters:
        parts.append(t("the assigned matter “{title}” ({source})", title=matter.title, source=matter.source))
    return t(
        "[Reminder] {whom}: please file {what} by {due}. ({office})",
        whom=whom,
        what=t(" and ").join(parts),
        due=reminder.due.isoformat(),
        office=office,
    )


def attachment(
    ctx: typer.Context,
    sha256: Annotated[str, typer.Argument(metavar="SHA256", help=N_("The file's SHA-256, as listed."))],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", callback=writable_place, metavar="FILE", dir_okay=False, help=N_("Write it here.")),
    ] = None,
) -> None:
    """Write an attached file back out, byte for byte."""
    wanted = sha256.strip().lower()
    if len(wanted) != 64 or any(c not in "0123456789abcdef" for c in wanted):
        raise BadInput(t("'{text}' is not a SHA-256 (64 hexadecimal digits)", text=sha256))
    with open_tracker(ctx) as tracker:
        content = tracker.attachment(wanted)
    if content is None:
        raise BadInput(t("no attachment with SHA-256 {sha256}", sha256=wanted))
    if out is None:
        write_bytes(content)
    else:
        write_file(out, content)
        render.info(t("wrote {path} ({size} bytes)", path=out, size=len(content)))


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(rectify)
    app.add_typer(rectifications_app, name="rectifications", rich_help_panel=PANEL)
    app.command(rich_help_panel=PANEL)(remind)
    app.command(rich_help_panel=PANEL)(attachment)
