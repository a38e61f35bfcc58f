"""`ecotrack init`: create or upgrade the database and load the plan."""

from __future__ import annotations

import typer

from ecotrack import render
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


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=N_("Set-up"))(init)
