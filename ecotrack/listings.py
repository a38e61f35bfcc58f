"""The rows of the listing commands in the shapes of SPEC §6, from a plan and the rules' results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from ecotrack.plan import Plan
from ecotrack.rules import OverdueUnit

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


OVERDUE_COLUMNS = (
    "unit",
    "unit_name",
    "missing_reports",
    "target",
    "target_title",
    "measure",
    "amount",
    "actual",
    "expected",
    "gap",
    "progress",
    "expected_share",
    "status",
    "due",
)
NOTICE_COLUMNS = (
    "number",
    "document_number",
    "plan_year",
    "as_of",
    "evaluation_month",
    "unit",
    "unit_name",
    "count_this_year",
    "wording",
    "missing_reports",
    "behind",
)
NOTICES_COLUMNS = ("number", "document_number", "plan_year", "as_of", "evaluation_month", "issued_at", "units")


def overdue_rows(units: Sequence[OverdueUnit]) -> list[dict[str, Any]]:
    """One CSV row per behind target; a unit with only missing months gets one row without a target."""
    rows: list[dict[str, Any]] = []
    for unit in units:
        head = {"unit": unit.unit, "unit_name": unit.unit_name, "missing_reports": unit.missing_reports}
        rows += [{**asdict(row), **head} for row in unit.behind] or [head]
    return rows


def notice_rows(notice: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per unit a notice names; `behind` holds the codes of its lagging targets."""
    head = {key: notice[key] for key in ("number", "document_number", "plan_year", "as_of", "evaluation_month")}
    return [
        {
            **head,
            "unit": item["unit"],
            "unit_name": item["unit_name"],
            "count_this_year": item["count_this_year"],
            "wording": item.get("wording"),
            "missing_reports": item["missing_reports"],
            "behind": [row["target"] for row in item["behind"]],
        }
        for item in notice["units"]
    ]


ASSESS_COLUMNS = (
    "unit",
    "unit_name",
    "kind",
    "completion",
    "timeliness",
    "reports_on_time",
    "reports_late",
    "reports_missing",
    "notices",
    "score",
    "grade",
    "rank",
)
