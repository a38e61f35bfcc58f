"""`ecotrack init`: create or upgrade the database and load the plan; `ecotrack db`: a server's roles."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ecotrack.cli.lazy import render
from ecotrack.cli.options import FormatOpt, NoBomOpt, OutputFormat
from ecotrack.cli.output import emit
from ecotrack.cli.workspace import settings_of
from ecotrack.i18n import N_, t, tn


def init(ctx: typer.Context) -> None:
    """Create or upgrade the database schema and load the plan file; safe to run again."""
    from ecotrack.tracker import initialise

    settings = settings_of(ctx)
    report = initialise(settings)
    where = report.database
    if report.backup is not None:
        render.info(
            t(
                "database {db} upgraded from revision {revision}; the copy from before is at {backup}",
                db=where,
                revision=report.previous_revision,
                backup=report.backup,
            )
        )
    elif report.previous_revision is None:
        render.info(t("database created at {db}", db=where))
    render.info(
        t(
            "plan year {year} re-synced: {added} added, {changed} changed, {removed} removed",
            year=report.sync.year,
            added=report.sync.added,
            changed=report.sync.changed,
            removed=report.sync.removed,
        )
        if not report.sync.created
        else t("plan year {year} loaded", year=report.sync.year)
    )


def config(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """Show the plan, database, year and language in use, and where each came from."""
    from pathlib import Path

    from ecotrack.errors import EcotrackError
    from ecotrack.i18n import language
    from ecotrack.tracker import Tracker

    settings = settings_of(ctx)
    year: int | None = settings.year
    year_note = ""
    if year is None:
        try:
            with Tracker.open(settings) as tracker:
                year = tracker.plan.year
        except EcotrackError as failure:
            year_note = failure.lines()[0]
    plan_path = Path(settings.plan).resolve()
    database = settings.db if "://" in settings.db else str(Path(settings.db).resolve())
    origins = {
        "option": t("given by the option"),
        "environment": t("from the environment"),
        "found": t("the nearest tasks.yaml, in {folder}", folder=plan_path.parent),
        "beside": t("beside the plan"),
        "default": t("the default"),
        "locale": t("from the locale"),
    }
    labels = {"plan": N_("plan file"), "database": N_("database"), "year": N_("plan year"), "language": N_("language")}
    rows: list[dict[str, Any]] = [
        {"setting": "plan", "value": settings.plan, "path": str(plan_path), "from": settings.plan_from},
        {"setting": "database", "value": settings.db, "path": database, "from": settings.db_from},
        {
            "setting": "year",
            "value": year,
            "path": None,
            "from": settings.year_from if settings.year is not None else "latest",
        },
        {"setting": "language", "value": language(), "path": None, "from": settings.lang_from},
    ]
    if settings.searched:
        rows[0]["from"] = "default"
        rows[0]["searched"] = list(settings.searched)

    def said(row: dict[str, Any]) -> str:
        if row["setting"] == "year" and row["from"] == "latest":
            return year_note or t("the latest plan year in the database")
        if row["setting"] == "plan" and settings.searched:
            return t("no tasks.yaml in {folder} nor above it", folder=settings.searched[0])
        return origins[str(row["from"])]

    emit(
        fmt,
        data={"settings": rows},
        rows=lambda: [{k: v for k, v in row.items() if k != "searched"} for row in rows],
        columns=("setting", "value", "path", "from"),
        table=lambda: render.settings_table(
            [
                (t(labels[row["setting"]]), str(row["value"] if row["value"] is not None else "—"), said(row))
                for row in rows
            ]
        ),
        bom=not no_bom,
    )


db_app = typer.Typer(help=N_("A PostgreSQL server's roles: office, auditor, clerk."), no_args_is_help=True)
LoginArg = Annotated[str, typer.Argument(metavar="LOGIN", help=N_("The database login (created when missing)."))]


@db_app.command("roles")
def roles(ctx: typer.Context) -> None:
    """Create or bring up to date the roles and the rules the server enforces (run as the owner)."""
    from ecotrack.tracker import install_roles

    installed = install_roles(settings_of(ctx))
    render.info(
        tn(
            "roles ecotrack_office, ecotrack_auditor and ecotrack_clerk enforced on {count} table",
            "roles ecotrack_office, ecotrack_auditor and ecotrack_clerk enforced on {count} tables",
            count=len(installed.tables),
        )
    )
    for login, units in installed.several_units.items():
        render.warning(
            t(
                "{login} is the clerk of several units ({units}), which an earlier ecotrack allowed: "
                "give it one with `ecotrack db clerk {login} --unit UNIT`",
                login=login,
                units=", ".join(units),
            )
        )


@db_app.command("clerk")
def clerk(
    ctx: typer.Context,
    login: LoginArg,
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit it files for."))],
) -> None:
    """Make a login the clerk of one unit, and nothing else: it reads its unit's rows and files for it only."""
    from ecotrack.cli.workspace import known_unit, open_tracker
    from ecotrack.tracker import set_login_role

    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
    set_login_role(settings_of(ctx), login, "clerk", code)
    render.info(t("{login} is a clerk of {unit}, and has no other role", login=login, unit=code))


@db_app.command("office")
def office(ctx: typer.Context, login: LoginArg) -> None:
    """Make a login one of the office, and nothing else: it may do everything ecotrack does."""
    from ecotrack.tracker import set_login_role

    set_login_role(settings_of(ctx), login, "office")
    render.info(t("{login} is one of the office, and has no other role", login=login))


@db_app.command("auditor")
def auditor(ctx: typer.Context, login: LoginArg) -> None:
    """Make a login an auditor, and nothing else: it reads everything and writes nothing."""
    from ecotrack.tracker import set_login_role

    set_login_role(settings_of(ctx), login, "auditor")
    render.info(t("{login} is an auditor, and has no other role", login=login))


@db_app.command("revoke")
def revoke(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(metavar="LOGIN", help=N_("The database login."))],
) -> None:
    """Take every ecotrack role away from a login: it reads and writes nothing of ecotrack's after."""
    from ecotrack.tracker import revoke_login

    revoke_login(settings_of(ctx), login)
    render.info(t("{login} has no ecotrack role now", login=login))


@db_app.command("logins")
def logins(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table, no_bom: NoBomOpt = False) -> None:
    """The logins given an ecotrack role: each with its role, and a clerk's unit."""
    from ecotrack.tracker import role_holders

    rows = [
        {"login": h.login, "role": ", ".join(h.roles), "unit": ", ".join(h.units) or None}
        for h in role_holders(settings_of(ctx))
    ]
    emit(
        fmt,
        data={"logins": rows},
        rows=lambda: rows,
        columns=("login", "role", "unit"),
        table=lambda: render.logins_table(rows),
        bom=not no_bom,
    )
    for row in rows:
        if "," in (row["role"] or "") or "," in (row["unit"] or ""):
            render.warning(
                t(
                    "{login} has more than one role or unit, which an earlier ecotrack allowed: set its one role "
                    "with `ecotrack db clerk|office|auditor {login}`",
                    login=row["login"],
                )
            )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=N_("Set-up"))(init)
    app.command(rich_help_panel=N_("Set-up"))(config)
    app.add_typer(db_app, name="db", rich_help_panel=N_("Set-up"))
