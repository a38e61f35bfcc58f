"""Assigned matters (交办事项, SPEC §17): `matter add`, `matter report`, `matters` (`close`, `return`). A matter's
items are chased as rectification items are: one item model, one state machine."""

from __future__ import annotations

from typing import Annotated

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
    parse_day,
    read_attachments,
    remark,
    required_remark,
)
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import known_unit, open_tracker
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, t

PANEL = N_("The year as it changes")

MatterArg = Annotated[int, typer.Argument(metavar="ID", **ID_RANGE, help=N_("The matter, as `matters` lists it."))]
ItsUnit = Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit the matter is assigned to."))]

matter_app = typer.Typer(help=N_("Assign a matter outside the plan, and report on it."))


@matter_app.command("add")
def matter_add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option("--title", metavar="TEXT", help=N_("What is to be done."))] = "",
    units: Annotated[
        list[str] | None,
        typer.Option("--unit", "-u", metavar="UNIT", help=N_("A unit it is assigned to; repeat for more.")),
    ] = None,
    due: Annotated[str | None, typer.Option("--due", metavar="YYYY-MM-DD", help=N_("When it is due."))] = None,
    source: Annotated[
        str, typer.Option("--source", metavar="TEXT", help=N_("Who assigned it: a leader's instruction, a meeting."))
    ] = "",
    on: OnOpt = None,
) -> None:
    """Record a matter assigned outside the plan (a leader's instruction, a meeting's decision), each unit to answer it
    by its due date."""
    title = required_remark(title, "--title")
    source = required_remark(source, "--source")
    if not units:
        raise BadInput(t("--unit is required: name the units the matter is assigned to"))
    if due is None:
        raise BadInput(t("--due is required: the day the matter is due"))
    due_day = parse_day(due, "--due")
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        codes = [known_unit(tracker.plan, unit).code for unit in units]
        number = tracker.add_matter(title, source, codes, due_day, day)
    render.info(t("recorded matter #{id} for {units}, due {due}", id=number, units=", ".join(codes), due=due_day))


@matter_app.command("report")
def matter_report(
    ctx: typer.Context,
    matter: MatterArg,
    unit: ItsUnit,
    text: Annotated[str, typer.Option("--text", metavar="TEXT", help=N_("What the unit did."))] = "",
    attach: AttachOpt = None,
    on: OnOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", envvar="ECOTRACK_USER", metavar="NAME", help=N_("Who reports (default: your account).")),
    ] = None,
) -> None:
    """File a unit's report on an assigned matter; the latest report is its answer."""
    text = required_remark(text, "--text")
    files = read_attachments(attach)
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        tracker.report_matter(matter, code, text, files, day, by or tracker.recorder(), dated=on is not None)
    render.info(t("report of {unit} on matter #{id} filed", unit=code, id=matter))


matters_app = typer.Typer(
    help=N_("Assigned matters and their items, and the office closing or returning them."),
    invoke_without_command=True,
)


@matters_app.callback()
def matters(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help=N_("Only items not closed or answered."))] = False,
    unit: UnitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Every unit an assigned matter names, with its due date and state as of a date."""
    if ctx.invoked_subcommand is not None:
        return
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        items = tracker.matters(day, code)
    if open_only:
        items = [item for item in items if item.state in ("open", "overdue", "reopened")]
    rows = listings.matter_rows([(i.matter, i.unit, i.stored.unit_name, i.state, i.stored.steps) for i in items])
    emit(
        fmt,
        data={"plan_year": plan.year, "as_of": day, "items": rows},
        rows=lambda: listings.flat_rows(rows),
        columns=listings.MATTER_COLUMNS,
        table=lambda: render.matters_table(plan, items, t("Assigned matters as of {as_of}", as_of=day.isoformat())),
        bom=not no_bom,
    )


@matters_app.command("close")
def matters_close(
    ctx: typer.Context,
    matter: MatterArg,
    unit: ItsUnit,
    note: Annotated[str, typer.Option("--note", "-n", metavar="TEXT", help=N_("The office's finding."))] = "",
    override: Annotated[
        bool, typer.Option("--override", help=N_("Close it though it is not answered (with --note, recorded)."))
    ] = False,
    on: OnOpt = None,
) -> None:
    """Close a unit's item of an assigned matter (final) once it is answered."""
    note = remark(note, "--note")
    if override and not note:
        raise BadInput(t("--override needs --note TEXT: say why it is closed though it is not answered"))
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        tracker.decide_matter(matter, code, "closed", note, day, override=override)
    if override:
        render.info(t("closed by override: {unit}'s item of matter #{id}", unit=code, id=matter))
    else:
        render.info(t("closed: {unit}'s item of matter #{id}", unit=code, id=matter))


@matters_app.command("return")
def matters_return(
    ctx: typer.Context,
    matter: MatterArg,
    unit: ItsUnit,
    reason: Annotated[
        str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("What is missing from the answer (required)."))
    ] = "",
    on: OnOpt = None,
) -> None:
    """Return a unit's answer on an assigned matter: the item is reopened until it is answered again."""
    reason = required_remark(reason, "--reason")
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        tracker.decide_matter(matter, code, "reopened", reason, day)
    render.info(t("returned: {unit}'s item of matter #{id} is reopened", unit=code, id=matter))


def register(app: typer.Typer) -> None:
    app.add_typer(matter_app, name="matter", rich_help_panel=PANEL)
    app.add_typer(matters_app, name="matters", rich_help_panel=PANEL)
