"""entries are append-only: the database refuses UPDATE and DELETE on entry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

A correction is a new entry (SPEC §4), so nothing may change or remove one; these triggers make the
database itself refuse, whatever program connects. A later migration that rebuilds the entry table
in batch mode on SQLite must create them again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "entries are append-only: file a correction instead"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER entry_no_{action.lower()} BEFORE {action} ON entry "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION ecotrack_entry_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE ON entry "
            "FOR EACH ROW EXECUTE FUNCTION ecotrack_entry_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER entry_no_update")
        op.execute("DROP TRIGGER entry_no_delete")
    else:
        op.execute("DROP TRIGGER entry_append_only ON entry")
        op.execute("DROP FUNCTION ecotrack_entry_append_only()")
