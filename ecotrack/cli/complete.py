"""Shell completion of unit and target codes and plan years, from the plan file.

Completion runs on every TAB: it reads the plan file's YAML directly (no pydantic, no database stack)
and offers what it finds; a plan it cannot read offers nothing. What is offered is checked like any
typed value when the command runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from ecotrack.config import DEFAULT_PLAN


def _plan(ctx: typer.Context) -> dict[str, Any]:
    root = ctx.find_root()
    path = root.params.get("plan") or os.environ.get("ECOTRACK_PLAN") or DEFAULT_PLAN
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(Path(path).read_text(encoding="utf-8-sig"), Loader=loader)
    except Exception:  # completion never fails loudly: nothing to offer
        return {}
    return data if isinstance(data, dict) else {}


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def units(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Unit codes starting with what is typed, or whose name contains it, with their names."""
    offered = []
    for unit in _items(_plan(ctx), "units"):
        code, name = str(unit.get("code", "")), str(unit.get("name", ""))
        if code.startswith(incomplete) or (incomplete and incomplete in name):
            offered.append((code, name))
    return offered


def targets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Target codes starting with what is typed (those of the --unit given, if one is), with their titles."""
    unit = ctx.params.get("unit")
    offered = []
    for task in _items(_plan(ctx), "tasks"):
        for target in _items(task, "targets"):
            code = str(target.get("code", ""))
            assigned = target.get("assign")
            owners = set(assigned) if isinstance(assigned, dict | list) else set()
            if code.startswith(incomplete) and (not unit or unit in owners):
                offered.append((code, str(target.get("title", ""))))
    return offered


def years(ctx: typer.Context, incomplete: str) -> list[str]:
    """The plan file's year (the database may hold others; completion does not open it)."""
    plan = _plan(ctx).get("plan")
    year = str(plan.get("year", "")) if isinstance(plan, dict) else ""
    return [year] if year and year.startswith(incomplete) else []
