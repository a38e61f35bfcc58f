"""The monthly form a unit fills in (`template`), laid out for `import` to read back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ecotrack.imports import CHINESE_COLUMNS, COLUMNS, INFO_COLUMNS
from ecotrack.plan import Plan, Target, period_label
from ecotrack.rules import OpenTarget

# What the clerk sees beside the import columns: the target, its amount and the last value filed.
TEMPLATE_INFO_COLUMNS = ("unit_name", "target_title", "measure", "amount", "last_period", "last_value")


def template_rows(
    plan: Plan,
    unit: str,
    month: int,
    open_targets: Sequence[OpenTarget],
    *,
    chinese: bool,
    noted: Sequence[Target] = (),
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of a unit's form for `month`: one row per target its report must cover, then one per
    target it supports and notes (`noted`, SPEC §17: its value left empty, its note column to fill in).

    The import columns come first; the columns after them (title, measure, amount, last value) are
    for the clerk's eyes, and `import` reads past them.
    """
    names = dict(zip(COLUMNS, CHINESE_COLUMNS, strict=True)) if chinese else {c: c for c in COLUMNS}
    info = dict(INFO_COLUMNS) if chinese else {c: c for c in INFO_COLUMNS}
    # the reason of a report filed after the fact matters only where the office reviews (SPEC §9)
    shown = [c for c in COLUMNS if c != "reason" or plan.review.required]
    columns = [names[c] for c in shown] + [info[c] for c in TEMPLATE_INFO_COLUMNS]
    unit_record = plan.unit(unit)
    assert unit_record is not None
    rows = [
        {
            names["unit"]: unit,
            names["target"]: row.target.code,
            names["period"]: period_label(plan.year, month),
            info["unit_name"]: unit_record.name,
            info["target_title"]: row.target.title,
            info["measure"]: row.target.measure or "",
            info["amount"]: row.assignment.amount,
            info["last_period"]: row.last_period or "",
            info["last_value"]: row.last_value if row.last_period else "",
        }
        for row in open_targets
    ]
    rows += [
        {
            names["unit"]: unit,
            names["target"]: target.code,
            names["period"]: period_label(plan.year, month),
            info["unit_name"]: unit_record.name,
            info["target_title"]: target.title,
            info["measure"]: "",
            info["amount"]: "",
            info["last_period"]: "",
            info["last_value"]: "",
        }
        for target in noted
    ]
    return columns, rows
