"""What every command needs before it works: the parsed settings, the open tracker, checked codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ecotrack.cli.lazy import render
from ecotrack.config import Settings
from ecotrack.errors import BadInput
from ecotrack.i18n import N_, did_you_mean, t

if TYPE_CHECKING:
    from datetime import date

    from ecotrack.plan import Plan, Target, Task, Unit
    from ecotrack.tracker import Evaluation, Tracker


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the root callback parsed (--plan, --db, --year, --lang)."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def open_tracker(ctx: typer.Context) -> Tracker:
    """The database opened for the chosen plan year; warns when the plan file changed since loading."""
    from ecotrack.tracker import Tracker

    tracker = Tracker.open(settings_of(ctx))
    for warning in tracker.warnings:
        render.warning(warning)
    return tracker


def _unknown(kind: str, code: str, choices: list[str]) -> BadInput:
    return BadInput(t(kind, code=code) + did_you_mean(code, choices))


def known_unit(plan: Plan, code: str) -> Unit:
    """The unit a `--unit` names, by its code or its exact name; unknown, with the closest code or name."""
    unit = plan.find_unit(code)
    if unit is None:
        choices = (
            [u.code for u in plan.units] + [u.name for u in plan.units] + [u.name_en for u in plan.units if u.name_en]
        )
        raise _unknown(N_("unknown unit '{code}'"), code, choices)
    return unit


def known_target(plan: Plan, code: str, unit: str | None = None) -> Target:
    """The target a `--target` names; unknown, with the closest code (among the unit's own, given one)."""
    target = plan.target(code)
    if target is None:
        targets = [g for g, _ in plan.assignments_of(unit)] if unit is not None else list(plan.targets())
        raise _unknown(N_("unknown target '{code}'"), code, [g.code for g in targets])
    return target


def known_task(plan: Plan, code: str) -> Task:
    task = next((k for k in plan.tasks if k.code == code), None)
    if task is None:
        raise _unknown(N_("unknown task '{code}'"), code, [k.code for k in plan.tasks])
    return task


def evaluate(
    ctx: typer.Context, day: date, unit: str | None = None, task: str | None = None
) -> tuple[Plan, Evaluation, str | None]:
    """The plan and its evaluation as of a day, after checking the --task asked for; with the code of the
    --unit asked for (given by its code or its name)."""
    with open_tracker(ctx) as tracker:
        code = known_unit(tracker.plan, unit).code if unit is not None else None
        if task is not None:
            known_task(tracker.plan, task)
        return tracker.plan, tracker.evaluate(day), code
