"""Settings from options and the environment (SPEC §2). Nothing is read at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from ecotrack.i18n import N_

DEFAULT_PLAN = "tasks.yaml"
DEFAULT_DB = "data/ecotrack.db"


# Where a setting came from: an option, an environment variable, the nearest tasks.yaml in the working folder or a
# folder above it (and the database beside it), or the default.
Origin = Literal["option", "environment", "found", "beside", "default", "locale"]


@dataclass(frozen=True)
class Settings:
    """What one command works on: the plan file, the database and the plan year (the language is set
    for the process by the root callback, `i18n.set_language`), and where the plan and database came from."""

    plan: str = DEFAULT_PLAN
    db: str = DEFAULT_DB
    year: int | None = None  # None: the latest plan year in the database
    plan_from: Origin = "default"
    db_from: Origin = "default"
    searched: tuple[str, ...] = ()  # the folders looked in for tasks.yaml, when none was found
    year_from: Origin = "default"  # default: the latest plan year in the database
    lang_from: Origin = "locale"

    @property
    def plan_path(self) -> Path:
        return Path(self.plan)


def find_plan(start: Path) -> tuple[Path | None, tuple[Path, ...]]:
    """The nearest `tasks.yaml` in `start` or a folder above it, as git finds its repository, and the folders
    looked in (all of them when there is none)."""
    searched = []
    for folder in (start, *start.parents):
        searched.append(folder)
        candidate = folder / DEFAULT_PLAN
        if candidate.is_file():
            return candidate, tuple(searched)
    return None, tuple(searched)


def discovered(start: Path, db_given: bool) -> Settings:
    """The plan and database when no --plan (nor ECOTRACK_PLAN) is given: the nearest tasks.yaml and, unless a
    database is given, `data/ecotrack.db` beside it; both as paths relative to `start` when it is below them."""
    found, searched = find_plan(start)
    if found is None:
        return Settings(searched=tuple(str(folder) for folder in searched))
    folder = found.parent
    if folder == start:
        return Settings(plan_from="found")
    plan = os.path.relpath(found, start)
    if db_given:
        return Settings(plan=plan, plan_from="found")
    return Settings(plan=plan, db=os.path.relpath(folder / DEFAULT_DB, start), plan_from="found", db_from="beside")


DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
IN_MEMORY = ("", ":memory:")


def database_problem(value: str) -> str | None:
    """What is wrong with a `--db` value, as a message id, or None: a SQLite file path, `sqlite:///PATH`, or
    a `postgresql[+psycopg]://` URL. Empty and in-memory databases are refused: nothing would be kept."""
    if not value.strip():
        return N_("{option} is empty: give a SQLite file path or a database URL")
    if "://" not in value:
        return (
            N_("{option} '{value}' is an in-memory database, which keeps nothing: give a SQLite file path")
            if value.strip() == ":memory:"
            else None
        )
    scheme, rest = value.split("://", 1)
    if scheme not in DATABASE_SCHEMES:
        return N_(
            "{option} '{value}' is not a database ecotrack works with: give a SQLite "
            "file path, or a postgresql+psycopg://user@host/database URL"
        )
    if scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else None
        if path is None or path.split("?", 1)[0] in IN_MEMORY:
            return N_("{option} '{value}' is an in-memory database, which keeps nothing: give a SQLite file path")
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return N_("{option} '{value}' is not a valid database URL (like postgresql+psycopg://user@host:5432/database)")
    if not parts.hostname and "host=" not in parts.query:
        return N_("{option} '{value}' is not a valid database URL (like postgresql+psycopg://user@host:5432/database)")
    return None
