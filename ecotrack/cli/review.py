"""The office's review of filings and its locks of periods (SPEC §9): `review`, `accept`, `return`,
`lock`, `unlock`, `locks`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli.lazy import listings, render
from ecotrack.cli.options import (
    LARGEST_ID,
    FormatOpt,
    NoBomOpt,
    OnOpt,
    OutputFormat,
    PeriodOpt,
    UnitOpt,
    YesOpt,
    confirmed,
    done_on,
    parse_day,
    remark,
)
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import known_unit, open_tracker
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, t, tn

if TYPE_CHECKING:
    from ecotrack.plan import Plan

PANEL = N_("Review and locks (office)")

IdsArg = Annotated[list[str] | None, typer.Argument(metavar="ID...", help=N_("Entry ids, as `review` lists them."))]


def _entry_ids(texts: list[str] | None) -> list[int]:
    """Entry ids as typed (`12` or `#12`), or a clear error naming the one that is not."""
    ids = []
    for text in texts or []:
        cleaned = text.strip().removeprefix("#")
        if not cleaned.isascii() or not cleaned.isdigit() or not 1 <= int(cleaned) <= LARGEST_ID:
            raise BadInput(t("entry id '{text}' is not a number like 12 (as `review` lists them)", text=text))
        ids.append(int(cleaned))
    return ids


ReasonOpt = Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why (kept with the decision)."))]


def _period(plan: Plan, text: str | None, option: str = "--period") -> str | None:
    """A month of the plan year, as YYYY-MM."""
    if text is None:
        return None
    from ecotrack.plan import period_label
    from ecotrack.tracker.inputs import read_period

    year, month = read_period(text, option)
    if year != plan.year:
        raise BadInput(
            t("{option} {period} is outside the plan year {year}", option=option, period=text, year=plan.year)
        )
    return period_label(year, month)


def review(
    ctx: typer.Context,
    unit: UnitOpt = None,
    period: PeriodOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    no_bom: NoBomOpt = False,
) -> None:
    """The entries waiting for the office's decision, with the level accepted before each."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        if unit is not None:
            unit = known_unit(plan, unit).code
        items = tracker.review_queue(unit, _period(plan, period))
        rows = listings.review_rows([(item.entry, item.previous_value) for item in items])
        emit(
            fmt,
            data={"plan_year": plan.year, "entries": rows},
            rows=lambda: rows,
            columns=listings.REVIEW_COLUMNS,
            table=lambda: render.review_table(plan, items),
            bom=not no_bom,
        )
        if fmt is OutputFormat.table and not plan.review.required and not items:
            render.info(t("the {year} plan does not require review: entries count when filed", year=plan.year))


def accept(
    ctx: typer.Context,
    ids: IdsArg = None,
    unit: UnitOpt = None,
    period: PeriodOpt = None,
    every: Annotated[bool, typer.Option("--all", help=N_("Accept every entry waiting for review."))] = False,
) -> None:
    """Accept entries under review: they count from the date they were reported."""
    chosen_ids = _entry_ids(ids)
    if not chosen_ids and unit is None and period is None and not every:
        raise BadInput(t("say which entries: give their ids, --unit and --period, or --all"))
    if chosen_ids and (unit is not None or period is not None or every):
        raise BadInput(t("give entry ids or --unit/--period/--all, not both"))
    if every and (unit is not None or period is not None):
        raise BadInput(t("--all accepts every entry waiting: leave out --unit and --period"))
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        chosen_unit = known_unit(plan, unit).code if unit is not None else None
        decided = tracker.decide("accepted", chosen_ids, unit=chosen_unit, period=_period(plan, period))
    if not decided:
        render.info(t("no entry is waiting for review there: nothing accepted"))
        return
    render.info(
        tn(
            "accepted {count} entry: {ids}",
            "accepted {count} entries: {ids}",
            count=len(decided),
            ids=_ids(decided),
        )
    )


def return_entries(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help=N_("Entry ids, as `review` lists them."))],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", "-r", metavar="TEXT", help=N_("What the unit must correct (required; the unit sees it).")
        ),
    ] = "",
    refile_by: Annotated[
        str | None,
        typer.Option(
            "--refile-by",
            metavar="YYYY-MM-DD",
            help=N_("The day by which the unit must file it again (限期重报); after it, the unit is overdue."),
        ),
    ] = None,
    on: OnOpt = None,
) -> None:
    """Return entries under review to their unit, with the reason: they never count."""
    chosen_ids = _entry_ids(ids)
    reason = remark(reason, "--reason")
    if not reason:
        raise BadInput(t("--reason is required: say what the unit must correct"))
    deadline = parse_day(refile_by, "--refile-by") if refile_by is not None else None
    day = done_on(on) if on is not None else None
    with open_tracker(ctx) as tracker:
        decided = tracker.decide("returned", chosen_ids, reason=reason, on=day, refile_by=deadline)
    render.info(
        tn(
            "returned {count} entry to its unit: {ids}",
            "returned {count} entries to their units: {ids}",
            count=len(decided),
            ids=_ids(decided),
        )
    )
    if deadline is not None:
        render.info(t("to be filed again by {day}", day=deadline.isoformat()))


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{i}" for i in ids)


PeriodArg = Annotated[str, typer.Argument(metavar="YYYY-MM", help=N_("A month of the plan year."))]


def _lock_reason(reason: str) -> str:
    return remark(reason, "--reason")


def lock(ctx: typer.Context, period: PeriodArg, reason: ReasonOpt = "", yes: YesOpt = False) -> None:
    """Close a month to filing, after its meeting; only the office may then file for it (a catch-up report)."""
    reason = _lock_reason(reason)
    with open_tracker(ctx) as tracker:
        month = _period(tracker.plan, period, "period")
        assert month is not None
        confirmed(t("Lock {period} to filing (only the office's catch-up reports after)?", period=month), yes)
        tracker.set_lock(month, locked=True, reason=reason)
    render.info(t("locked {period}: entries for it are refused, but for the office's catch-up reports", period=month))


def unlock(
    ctx: typer.Context,
    period: PeriodArg,
    reason: Annotated[
        str, typer.Option("--reason", "-r", metavar="TEXT", help=N_("Why it is reopened (required)."))
    ] = "",
) -> None:
    """Reopen a locked month to filing (the reason is kept)."""
    reason = _lock_reason(reason)
    if not reason:
        raise BadInput(t("--reason is required: say why the month is reopened"))
    with open_tracker(ctx) as tracker:
        month = _period(tracker.plan, period, "period")
        assert month is not None
        tracker.set_lock(month, locked=False, reason=reason)
    render.info(t("unlocked {period}", period=month))


def locks(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """Every lock of a month this year: by whom, when, why, and when it was lifted."""
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        periods = tracker.locks()
    rows = listings.lock_rows(periods)
    emit(
        fmt,
        data={"plan_year": plan.year, "locks": rows},
        rows=lambda: rows,
        columns=listings.LOCK_COLUMNS,
        table=lambda: render.locks_table(plan, periods),
        bom=not no_bom,
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(review)
    app.command(rich_help_panel=PANEL)(accept)
    app.command("return", rich_help_panel=PANEL)(return_entries)
    app.command(rich_help_panel=PANEL)(lock)
    app.command(rich_help_panel=PANEL)(unlock)
    app.command(rich_help_panel=PANEL)(locks)
