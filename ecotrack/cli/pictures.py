"""Pictures for the monthly meeting: the one-page pack (`pack`) and one assignment's chart (`chart`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecotrack.cli.lazy import render
from ecotrack.cli.options import AsOfOpt, UnitOpt, as_of_date, writable_place
from ecotrack.cli.output import write_file
from ecotrack.cli.workspace import known_target, known_unit, open_tracker
from ecotrack.errors import BadInput, EcotrackError, Refused
from ecotrack.i18n import N_, t

if TYPE_CHECKING:
    from ecotrack.results import Notice

PANEL = N_("The monthly meeting (office)")
OPEN_STATES = ("open", "overdue", "reopened")


def pack(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            callback=writable_place,
            metavar="DIR",
            file_okay=False,
            help=N_("The folder to write the page into."),
        ),
    ],
    as_of: AsOfOpt = None,
) -> None:
    """The one-page meeting pack: headline figures, heat map, filings, totals, charts, overdue, the notice."""
    from ecotrack.charts import labels_for, trajectory_svg
    from ecotrack.listings import district_totals
    from ecotrack.pack import PackChart, PackContent, page
    from ecotrack.safefile import make_folders

    day = as_of_date(as_of)
    if out.exists() and not out.is_dir():
        raise BadInput(t("--out {path} is a file, not a folder", path=out))
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        evaluation = tracker.evaluate(day)
        overdue = tracker.overdue(day).units
        items = [item for item in tracker.rectifications(day) if item.state in OPEN_STATES]
        behind = [(row.unit, row.target) for row in evaluation.rows if row.status == "behind"]
        trajectories = tracker.trajectories(day, behind)
        notice: Notice | None = None
        recorded: str | None = None
        if evaluation.evaluation_month is not None:
            issued = [
                n
                for n in tracker.notices()
                if n.evaluation_month == evaluation.evaluation_month and n.voided is None and n.as_of <= day
            ]
            if issued:  # the month's notice is out: show it, as circulated
                notice = issued[0].notice
                recorded = issued[0].document_number
            else:
                try:
                    drafted = tracker.issue_notice(day, "en" if _english() else "zh", dry_run=True)
                except Refused:
                    drafted = None
                notice = drafted.notice if drafted else None
    charts = [
        PackChart(
            unit=trajectory.unit,
            unit_name=next(r.unit_name for r in evaluation.rows if r.unit == trajectory.unit),
            target=trajectory.target,
            svg=trajectory_svg(trajectory, labels_for(plan, trajectory)),
        )
        for trajectory in trajectories
    ]
    content = PackContent(
        plan=plan,
        as_of=day,
        evaluation=evaluation,
        overdue=overdue,
        totals=district_totals(plan, evaluation.rows),
        charts=charts,
        rectifications=items,
        notice=notice,
        notice_recorded=recorded,
    )
    path = out / f"meeting-pack-{day.isoformat()}.html"
    try:
        make_folders(out)
    except OSError as failure:
        raise EcotrackError(t("cannot write {path}: {reason}", path=out, reason=failure.strerror or failure)) from None
    write_file(path, page(content).encode("utf-8"))
    render.info(
        t(
            "wrote {path}: the meeting pack as of {as_of}, {charts} charts of behind assignments",
            path=path,
            as_of=day.isoformat(),
            charts=len(charts),
        )
    )


def _english() -> bool:
    from ecotrack.i18n import language

    return language() == "en"


def chart(
    ctx: typer.Context,
    unit: UnitOpt = None,
    target: Annotated[
        str | None, typer.Option("--target", "-t", metavar="TARGET", help=N_("The target's code, e.g. 3.1."))
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", callback=writable_place, metavar="FILE", dir_okay=False, help=N_("FILE.svg or FILE.png.")
        ),
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """One assignment's trajectory: the expected line against the levels filed, as SVG or PNG."""
    from ecotrack.charts import labels_for, trajectory_png, trajectory_svg

    if unit is None or target is None or out is None:
        raise BadInput(t("chart needs --unit, --target and --out FILE.svg|.png"))
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise BadInput(t("--out {path}: a chart is written as .svg or .png", path=out))
    day = as_of_date(as_of)
    with open_tracker(ctx) as tracker:
        plan = tracker.plan
        code = known_unit(plan, unit).code
        chosen = known_target(plan, target, code)
        (trajectory,) = tracker.trajectories(day, [(code, chosen.code)])
    labels = labels_for(plan, trajectory)
    content = (
        trajectory_svg(trajectory, labels).encode("utf-8") if suffix == ".svg" else trajectory_png(trajectory, labels)
    )
    write_file(out, content)
    render.info(t("wrote {path}", path=out))


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(pack)
    app.command(rich_help_panel=PANEL)(chart)
