"""review, locks and trusted dates (SPEC §9): review decisions, period locks, an entry's reason

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Existing entries become accepted: `submitted` is false for every one of them, as it is for every entry
filed while the plan does not require review. The entry table gets plain ADD COLUMNs (never a batch
rebuild), so its append-only triggers stay as they are; the two new tables are guarded the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import guards

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISION_KEYS = (("id",), ("entry_id",))
LOCK_KEYS = (("id",),)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("plan", sa.Column("review", sa.Text(), nullable=False, server_default="{}"))
    op.add_column("entry", sa.Column("submitted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column(
        "entry", sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
    )
    op.add_column("entry", sa.Column("catch_up", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accepted', 'returned')", name=op.f("ck_review_decision_decision_known")
        ),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name=op.f("fk_review_decision_entry_id_entry")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_review_decision_entry_id")),
    )
    op.create_table(
        "period_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_period_lock_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_lock")),
    )
    op.create_index(op.f("ix_period_lock_plan_id"), "period_lock", ["plan_id"], unique=False)
    for table, keys in (("review_decision", DECISION_KEYS), ("period_lock", LOCK_KEYS)):
        for statement in guards.guard(dialect, table, keys):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("period_lock", "review_decision"):
        for statement in guards.unguard(dialect, table):
            op.execute(statement)
    op.drop_index(op.f("ix_period_lock_plan_id"), table_name="period_lock")
    op.drop_table("period_lock")
    op.drop_table("review_decision")
    op.drop_column("entry", "catch_up")
    op.drop_column("entry", "reason")
    op.drop_column("entry", "submitted")
    op.drop_column("plan", "review")
