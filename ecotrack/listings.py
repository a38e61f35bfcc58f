"""The rows of the listing commands in the shapes of SPEC §6, from a plan and the rules' results."""

from __future__ import annotations

from typing import Any

from ecotrack.plan import Plan

UNIT_COLUMNS = ("unit", "unit_name", "kind", "assignments", "supports")
TARGET_COLUMNS = ("task", "target", "target_title", "type", "measure", "unit", "amount", "baseline", "due", "weight")
STATUS_COLUMNS = (
    "unit",
    "unit_name",
    "task",
    "target",
    "target_title",
    "type",
    "measure",
    "baseline",
    "amount",
    "actual",
    "expected",
    "gap",
    "progress",
    "expected_share",
    "status",
    "last_period",
    "due",
)
HISTORY_COLUMNS = (
    "id",
    "unit",
    "target",
    "period",
    "value",
    "note",
    "reported_by",
    "reported_at",
    "superseded",
    "filed_at",
    "filed_by",
)


def unit_rows(plan: Plan) -> list[dict[str, Any]]:
    """Who is in the plan: each unit with the targets it leads and those it supports."""
    return [
        {
            "unit": unit.code,
            "unit_name": unit.name,
            "kind": unit.kind,
            "assignments": [target.code for target, _ in plan.assignments_of(unit.code)],
            "supports": [target.code for target in plan.supports_of(unit.code)],
        }
        for unit in plan.units
    ]


def target_rows(plan: Plan, unit: str | None = None) -> list[dict[str, Any]]:
    """What each unit must report: one row per assignment, in plan order."""
    return [
        {
            "task": target.task,
            "target": target.code,
            "target_title": target.title,
            "type": target.type,
            "measure": target.measure,
            "unit": assignment.unit,
            "amount": assignment.amount,
            "baseline": target.baseline,
            "due": target.due.isoformat() if target.due else None,
            "weight": target.weight,
        }
        for target in plan.targets()
        for assignment in target.assignments
        if unit is None or assignment.unit == unit
    ]
