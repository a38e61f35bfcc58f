"""append-only everywhere: notices and notice items guarded, REPLACE refused, import batches

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

SQLite's REPLACE deletes the row it replaces without firing DELETE triggers, so 0003 alone let an
entry be rewritten; every guarded table now also refuses an insert colliding with an existing row.
Notices and their items (what the penalties count) get the same guard. Each import is recorded as
a batch with its file's SHA-256, and entries point to the batch that filed them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

from ecotrack.storage import guards

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICE_KEYS = (("id",), ("plan_id", "number"), ("plan_id", "evaluation_month"))
NOTICE_ITEM_KEYS = (("id",), ("notice_id", "unit_id"))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("filed", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_import_batch_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_index(op.f("ix_import_batch_plan_id"), "import_batch", ["plan_id"], unique=False)
    op.create_index(op.f("ix_import_batch_sha256"), "import_batch", ["sha256"], unique=False)
    # A plain ADD COLUMN (never a batch rebuild): the entry table and its triggers stay as they are.
    if dialect == "sqlite":
        op.execute("ALTER TABLE entry ADD COLUMN batch_id INTEGER REFERENCES import_batch (id)")
    else:
        op.add_column("entry", sa.Column("batch_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_entry_batch_id_import_batch"), "entry", "import_batch", ["batch_id"], ["id"]
        )
    if dialect != "sqlite":
        op.execute(guards.postgres_function())
    # entry already refuses UPDATE and DELETE (0003): add what 0003 missed
    entry_guard = guards.guard(dialect, "entry", (("id",),))
    for statement in entry_guard[2:] if dialect == "sqlite" else entry_guard[1:]:
        op.execute(statement)
    for table, keys in (("import_batch", (("id",),)), ("notice", NOTICE_KEYS), ("notice_item", NOTICE_ITEM_KEYS)):
        for statement in guards.guard(dialect, table, keys):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("notice_item", "notice", "import_batch"):
        for statement in guards.unguard(dialect, table):
            op.execute(statement)
    if dialect == "sqlite":
        op.execute("DROP TRIGGER entry_no_replace")
    else:
        op.execute("DROP TRIGGER entry_no_truncate ON entry")
        op.execute(f"DROP FUNCTION {guards.POSTGRES_FUNCTION}()")
    with op.batch_alter_table("entry") as batch_op:
        batch_op.drop_column("batch_id")
    op.drop_index(op.f("ix_import_batch_sha256"), table_name="import_batch")
    op.drop_index(op.f("ix_import_batch_plan_id"), table_name="import_batch")
    op.drop_table("import_batch")
