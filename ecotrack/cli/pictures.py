"""Pictures for the monthly meeting: the one-page pack (`pack`) and one assignment's chart (`chart`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecotrack.cli.lazy import render
from ecotrack.cli.options import AsOfOpt, QuietOpt, UnitOpt, as_of_date, writable_place
from ecotrack.cli.output import write_file
from ecotrack.cli.workspace import known_target, known_unit, open_tracker
from ecotrack.errors import BadInput, EcotrackError
from ecotrack.i18n import N_, t

PANEL = N_("The monthly meeting (office)")


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
    quiet: QuietOpt = False,
) -> None:
    """The one-page meeting pack: headline figures, heat map, filings, totals, charts, overdue, the notice."""
    from ecotrack.i18n import language
    from ecotrack.pack import meeting_page
    from ecotrack.safefile import make_folders

    day = as_of_date(as_of)
    if out.exists() and not out.is_dir():
        raise BadInput(t("--out {path} is a file, not a folder", path=out))
    with render.working(t("drawing the meeting pack"), quiet=quiet), open_tracker(ctx) as tracker:
        plan = tracker.plan
        facts = tracker.meeting_facts(day, "en" if language() == "en" else "zh")
        html = meeting_page(plan, facts)
    path = out / f"meeting-pack-{day.isoformat()}.html"
    try:
        make_folders(out)
    except OSError as failure:
        raise EcotrackError(t("cannot write {path}: {reason}", path=out, reason=failure.strerror or failure)) from None
    write_file(path, html.encode("utf-8"))
    render.info(
        t(
            "wrote {path}: the meeting pack as of {as_of}, {charts} charts of behind assignments",
            path=path,
            as_of=day.isoformat(),
            charts=len(facts.trajectories),
        )
    )


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
