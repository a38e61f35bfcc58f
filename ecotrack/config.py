"""Settings from options and the environment (SPEC §2). Nothing is read at import time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ecotrack.i18n import N_

DEFAULT_PLAN = "tasks.yaml"
DEFAULT_DB = "data/ecotrack.db"


@dataclass(frozen=True)
class Settings:
    """What one command works on: the plan file, the database and the plan year (the language is set
    for the process by the root callback, `i18n.set_language`)."""

    plan: str = DEFAULT_PLAN
    db: str = DEFAULT_DB
    year: int | None = None  # None: the latest plan year in the database

    @property
    def plan_path(self) -> Path:
        return Path(self.plan)


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
