"""The database's own refusal to change a record that a decision rests on (append-only tables).

Used by the migrations, so that whatever program connects, an UPDATE, a DELETE or a replacing
INSERT of such a row fails. On SQLite, `REPLACE` and `INSERT OR REPLACE` delete the old row without
firing DELETE triggers (recursive triggers are off by default, and any client may turn them off), so
a BEFORE INSERT trigger refuses an insert that would collide with an existing row on any unique key.
On PostgreSQL one trigger function refuses UPDATE and DELETE row by row, and TRUNCATE.

A migration that rebuilds a guarded table in batch mode on SQLite must call `guard` again.
"""

from __future__ import annotations

from collections.abc import Sequence

SQLITE_RAISE = "SELECT RAISE(ABORT, '{table} is append-only: nothing in it may be changed or removed')"
POSTGRES_FUNCTION = "ecotrack_append_only"


def postgres_function() -> str:
    """The trigger function every guarded table shares on PostgreSQL (created once)."""
    return (
        f"CREATE OR REPLACE FUNCTION {POSTGRES_FUNCTION}() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only: nothing in it may be changed or removed', TG_TABLE_NAME; END; "
        "$$ LANGUAGE plpgsql"
    )


def guard(dialect: str, table: str, unique_keys: Sequence[Sequence[str]]) -> list[str]:
    """The statements that make `table` append-only; `unique_keys` are its primary and unique keys."""
    if dialect == "sqlite":
        refuse = SQLITE_RAISE.format(table=table)
        collides = " OR ".join(
            "(" + " AND ".join(f"{column} = NEW.{column}" for column in key) + ")" for key in unique_keys
        )
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN {refuse}; END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN {refuse}; END",
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {collides}) BEGIN {refuse}; END",
        ]
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {POSTGRES_FUNCTION}()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {POSTGRES_FUNCTION}()",
    ]


def unguard(dialect: str, table: str) -> list[str]:
    """The statements that undo `guard` (for a downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER {table}_no_{action}" for action in ("update", "delete", "replace")]
    return [f"DROP TRIGGER {table}_append_only ON {table}", f"DROP TRIGGER {table}_no_truncate ON {table}"]
