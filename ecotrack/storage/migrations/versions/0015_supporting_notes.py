"""Supporting units' monthly notes (配合单位, SPEC §17, §18) and the plan key that asks for them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

`plan.supporting_reports` (false for every plan loaded before: their numbers stay as they were) and one new table,
`support_note`: a supporting unit's note on a target it supports for one month, text and no value, by unit and
target code (as a request is), append-only like the rest, its recording time and recorder stamped by the server,
and checked by the database whoever sends it (`checks.note_checks`). The plan table gets a plain ADD COLUMN.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import checks, guards

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TABLE = "support_note"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("plan", sa.Column("supporting_reports", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit", TEXT(), nullable=False),
        sa.Column("target", TEXT(), nullable=False),
        sa.Column("period", TEXT(length=7), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reported_by", TEXT(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", TEXT(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("reason", TEXT(), nullable=False),
        sa.Column("catch_up", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_support_note_plan_id_plan")),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], name=op.f("fk_support_note_batch_id_import_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_note")),
    )
    op.create_index(
        "ix_support_note_plan_period", TABLE, ["plan_id", "unit", "target", "period", "reported_on", "id"], unique=False
    )
    for statement in guards.guard(dialect, TABLE, (("id",),)):
        op.execute(statement)
    for statement in checks.note_checks(dialect):
        op.execute(statement)
    if dialect != "sqlite":
        op.execute(checks.stamp_trigger(TABLE, "filed_at", "filed_by"))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect != "sqlite":
        op.execute(f'DROP TRIGGER {TABLE}_stamped ON "{TABLE}"')
    for statement in checks.note_unchecks(dialect):
        op.execute(statement)
    for statement in guards.unguard(dialect, TABLE):
        op.execute(statement)
    op.drop_index("ix_support_note_plan_period", table_name=TABLE)
    op.drop_table(TABLE)
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("supporting_reports")
