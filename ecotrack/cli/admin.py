"""`ecotrack init`: create or upgrade the database and load the plan; `ecotrack db`: a server's roles."""

from __future__ import annotations

from typing import Annotated

import typer

from ecotrack.cli.lazy import render
from ecotrack.cli.workspace import settings_of
from ecotrack.i18n import N_, t


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


db_app = typer.Typer(help=N_("A PostgreSQL server's roles: office, auditor, clerk."), no_args_is_help=True)
LoginArg = Annotated[str, typer.Argument(metavar="LOGIN", help=N_("The database login (created when missing)."))]


@db_app.command("roles")
def roles(ctx: typer.Context) -> None:
    """Create or bring up to date the roles and the rules the server enforces (run as the owner)."""
    from ecotrack.tracker import install_roles

    tables = install_roles(settings_of(ctx))
    render.info(
        t("roles ecotrack_office, ecotrack_auditor and ecotrack_clerk enforced on {count} tables", count=len(tables))
    )


@db_app.command("clerk")
def clerk(
    ctx: typer.Context,
    login: LoginArg,
    unit: Annotated[str, typer.Option("--unit", "-u", metavar="UNIT", help=N_("The unit it files for."))],
    revoke: Annotated[bool, typer.Option("--revoke", help=N_("Take the unit away from the login."))] = False,
) -> None:
    """Make a login the clerk of one unit: it reads the plan and its unit's rows, and files for its unit only."""
    from ecotrack.cli.workspace import known_unit, open_tracker
    from ecotrack.tracker import grant_login

    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code
    grant_login(settings_of(ctx), login, "clerk", code, revoke=revoke)
    if revoke:
        render.info(t("{login} no longer files for {unit}", login=login, unit=code))
    else:
        render.info(t("{login} is a clerk of {unit}", login=login, unit=code))


@db_app.command("office")
def office(ctx: typer.Context, login: LoginArg) -> None:
    """Make a login one of the office: it may do everything ecotrack does."""
    from ecotrack.tracker import grant_login

    grant_login(settings_of(ctx), login, "office")
    render.info(t("{login} is one of the office", login=login))


@db_app.command("auditor")
def auditor(ctx: typer.Context, login: LoginArg) -> None:
    """Make a login an auditor: it reads everything and writes nothing."""
    from ecotrack.tracker import grant_login

    grant_login(settings_of(ctx), login, "auditor")
    render.info(t("{login} is an auditor", login=login))


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=N_("Set-up"))(init)
    app.add_typer(db_app, name="db", rich_help_panel=N_("Set-up"))
