"""A consistent, checked copy of a live SQLite database (`ecotrack backup`)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ecotrack import safefile
from ecotrack.storage.db import backup_sqlite


@dataclass(frozen=True)
class BackupCopy:
    """What the copy holds, as read back from it once written."""

    integrity: str  # SQLite's integrity check of the copy: "ok", or what is wrong
    entries: int
    years: list[int]


class CopyDamaged(Exception):
    """The copy failed SQLite's integrity check (it is not kept)."""

    def __init__(self, integrity: str) -> None:
        super().__init__(integrity)
        self.integrity = integrity


def copy_database(source: Path, target: Path) -> BackupCopy:
    """Copy `source` to `target` with SQLite's backup API while others may write, then check the copy;
    the copy appears under its name only when whole and checked."""
    with safefile.replacing(target) as partial:
        backup_sqlite(source, partial)
        with closing(sqlite3.connect(partial)) as copy:
            integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
            entries = copy.execute("SELECT count(*) FROM entry").fetchone()[0]
            years = [row[0] for row in copy.execute("SELECT year FROM plan ORDER BY year")]
        if integrity != "ok":
            raise CopyDamaged(integrity)
    return BackupCopy(integrity=integrity, entries=entries, years=years)
