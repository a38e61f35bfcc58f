"""Requests (延期, 调整, 免责) and the office's decisions on them (SPEC §17): the year as it changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli.lazy import listings, render
from ecotrack.cli.options import (
    ID_RANGE,
    AttachOpt,
    FormatOpt,
    NoBomOpt,
    OnOpt,
    OutputFormat,
    UnitOpt,
    done_on,
    parse_day,
    read_attachments,
    required_remark,
)
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import known_target, known_unit, open_tracker
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, t

if TYPE_CHECKING:
    from ecotrack.results import RequestKind

PANEL = N_("The year as it changes")


def request(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit that asks."))],
    target: Annotated[str, typer.Option("--target", "-t", metavar="TARGET", help=N_("The target it asks about."))],
    extend_to: Annotated[
        str | None,
        typer.Option(
            "--extend-to", metavar="YYYY-MM-DD", help=N_("An extension: a new due date (a schedule's last month).")
        ),
    ] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", metavar="X", help=N_("A change of amount: the new amount."))
    ] = None,
    exempt: Annotated[
        bool, typer.Option("--exempt", help=N_("An exemption: take the assignment out of the year."))
    ] = False,
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why (required)."))] = "",
    attach: AttachOpt = None,
    on: OnOpt = None,
) -> None:
    """Record a unit's request about one of its assignments: extend it, change its amount, or exempt it."""
    from ecotrack.tracker.inputs import read_value

    if (extend_to is not None) + (amount is not None) + exempt != 1:
        raise BadInput(t("give one of --extend-to, --amount and --exempt"))
    kind: RequestKind = "extend" if extend_to is not None else "amount" if amount is not None else "exempt"
    new_date = parse_day(extend_to, "--extend-to") if extend_to is not None else None
    new_amount = read_value(amount, "--amount") if amount is not None else None
    reason = required_remark(reason, "--reason")
    files = read_attachments(attach)
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
        chosen = known_target(tracker.plan, target, code).code
        number = tracker.request(
            code,
            chosen,
            kind,
            reason,
            day,
            extend_to=new_date,
            amount=new_amount,
            dated=on is not None,
            attachments=files,
        )
    render.info(t("recorded request #{id} of {unit} on target {target}", id=number, unit=code, target=chosen))


requests_app = typer.Typer(
    help=N_("Units' requests (extension, change of amount, exemption) and the office's decisions."),
    invoke_without_command=True,
)


@requests_app.callback()
def requests(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help=N_("Only the requests not decided yet."))] = False,
    unit: UnitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """Every request of the year: pending, approved or rejected, with the decision's reason, who and when."""
    if ctx.invoked_subcommand is not None:
        return
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code if unit is not None else None
        found = [r for r in tracker.requests(code) if not open_only or r.decision is None]
    rows = listings.request_rows(found)
    emit(
        fmt,
        data={"plan_year": plan.year, "requests": rows},
        rows=lambda: listings.flat_rows(rows),
        columns=listings.REQUEST_COLUMNS,
        table=lambda: render.requests_table(plan, found, t("Requests of {year}", year=plan.year)),
        bom=not no_bom,
    )


@requests_app.command("decide")
def requests_decide(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(metavar="ID", **ID_RANGE, help=N_("The request, as `requests` lists it."))],
    approve: Annotated[bool, typer.Option("--approve", help=N_("Approve it: the plan is amended."))] = False,
    reject: Annotated[bool, typer.Option("--reject", help=N_("Reject it: the plan stands."))] = False,
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why (required)."))] = "",
    from_period: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM",
            help=N_("From which month's report the amended plan decides (default: the decision's month)."),
        ),
    ] = None,
    on: OnOpt = None,
) -> None:
    """Decide a request once: approve it (an amendment of the plan from --from) or reject it."""
    from ecotrack.plan import period_label
    from ecotrack.tracker.inputs import read_period

    if approve == reject:
        raise BadInput(t("give --approve or --reject (one of them)"))
    reason = required_remark(reason, "--reason")
    chosen = None
    if from_period is not None:
        year, month = read_period(from_period, "--from")
        chosen = period_label(year, month)
    day = done_on(on)
    with open_tracker(ctx) as tracker:
        if chosen is not None and int(chosen[:4]) != tracker.plan.year:
            year = tracker.plan.year
            raise BadInput(t("--from {period} is not a month of the plan year {year}", period=chosen, year=year))
        tracker.decide_request(number, approve, reason, chosen, day)
    render.info(t("request #{id} is approved", id=number) if approve else t("request #{id} is rejected", id=number))


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(request)
    app.add_typer(requests_app, name="requests", rich_help_panel=PANEL)
