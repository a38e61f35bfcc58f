"""Settings from options and the environment (SPEC §2). Nothing is read at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_PLAN = "tasks.yaml"
DEFAULT_DB = "data/ecotrack.db"


@dataclass(frozen=True)
class Settings:
    """What one command works on: the plan file, the database, the plan year and the language."""

    plan: str = DEFAULT_PLAN
    db: str = DEFAULT_DB
    year: int | None = None  # None: the latest plan year in the database
    lang: str = "en"

    @property
    def plan_path(self) -> Path:
        return Path(self.plan)
