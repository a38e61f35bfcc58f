"""`plan check`: a plan file read and checked by SPEC §3, without the database stack.

The command reaches the plan parser here rather than through `ecotrack.tracker`, whose package opens
databases: importing it costs SQLAlchemy, SQLModel and the table models, which a check never touches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ecotrack.plan import Plan


def check_plan_file(path: Path, shown: str, searched: Sequence[str] = ()) -> Plan:
    """A plan file read and checked by SPEC §3, without touching a database; every problem refused at once."""
    from ecotrack.planfile import read_plan

    plan, _ = read_plan(path, shown, searched)
    return plan
