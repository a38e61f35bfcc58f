"""the database's own checks (issue 31): entries, attachments, reports; server stamps; files per login

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

`ecotrack.storage.checks` installs what the database checks on every insert, whoever sends it: an entry's
period and value (and on PostgreSQL its lock), an attachment's SHA-256 and size computed from its bytes,
names and texts free of control characters, no answer to a closed item, and on PostgreSQL the recording
time and login of every record from the server's clock and `session_user`.

An attachment is now stored once per SHA-256 and login (`stored_by`): on a server a clerk reads only the
files it stored or that are attached to its own unit's records, so it must be able to store a file that
another login stored already without seeing that one. On SQLite that rebuilds the attachment table; its
append-only triggers are dropped first and made again after. Existing rows keep an empty `stored_by`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import checks, guards

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    column = sa.Column("stored_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
    if dialect == "sqlite":
        for statement in guards.unguard(dialect, "attachment"):
            op.execute(statement)
        with op.batch_alter_table("attachment") as batch:
            batch.add_column(column)
            batch.drop_constraint("uq_attachment_sha256", type_="unique")
            batch.create_unique_constraint("uq_attachment_sha256_stored_by", ["sha256", "stored_by"])
        for statement in guards.guard(dialect, "attachment", (("id",), ("sha256", "stored_by"))):
            op.execute(statement)
    else:
        op.add_column("attachment", column)
        op.drop_constraint("uq_attachment_sha256", "attachment", type_="unique")
        op.create_unique_constraint("uq_attachment_sha256_stored_by", "attachment", ["sha256", "stored_by"])
    for statement in checks.install(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in checks.uninstall(dialect):
        op.execute(statement)
    if dialect == "sqlite":
        for statement in guards.unguard(dialect, "attachment"):
            op.execute(statement)
        with op.batch_alter_table("attachment") as batch:
            batch.drop_constraint("uq_attachment_sha256_stored_by", type_="unique")
            batch.create_unique_constraint("uq_attachment_sha256", ["sha256"])
            batch.drop_column("stored_by")
        for statement in guards.guard(dialect, "attachment", (("id",), ("sha256",))):
            op.execute(statement)
    else:
        op.drop_constraint("uq_attachment_sha256_stored_by", "attachment", type_="unique")
        op.create_unique_constraint("uq_attachment_sha256", "attachment", ["sha256"])
        op.drop_column("attachment", "stored_by")
