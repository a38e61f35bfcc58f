"""the assessment rules (SPEC §11): a target's scoring, score adjustments and vetoes, the final result

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

A plain nullable column on target and three new tables, each append-only like the rest; a year has at
most one final result (a unique plan_id), so recording it twice fails in the database too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import guards

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
NEW_TABLES = {
    "score_adjustment": (("id",),),
    "score_void": (("id",), ("adjustment_id",)),
    "final_assessment": (("id",), ("plan_id",)),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("target", sa.Column("scoring", TEXT(), nullable=True))
    op.create_table(
        "score_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", TEXT(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("item", TEXT(), nullable=False),
        sa.Column("basis", TEXT(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", TEXT(), nullable=False),
        sa.CheckConstraint("kind IN ('points', 'veto')", name=op.f("ck_score_adjustment_kind_known")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_score_adjustment_plan_id_plan")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_score_adjustment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_adjustment")),
    )
    op.create_index(op.f("ix_score_adjustment_plan_id"), "score_adjustment", ["plan_id"], unique=False)
    op.create_index(op.f("ix_score_adjustment_unit_id"), "score_adjustment", ["unit_id"], unique=False)
    op.create_table(
        "score_void",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adjustment_id", sa.Integer(), nullable=False),
        sa.Column("reason", TEXT(), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adjustment_id"], ["score_adjustment.id"], name=op.f("fk_score_void_adjustment_id_score_adjustment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_void")),
        sa.UniqueConstraint("adjustment_id", name=op.f("uq_score_void_adjustment_id")),
    )
    op.create_table(
        "final_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_final_assessment_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_final_assessment")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_final_assessment_plan_id")),
    )
    for table, keys in NEW_TABLES.items():
        for statement in guards.guard(dialect, table, keys):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(list(NEW_TABLES)):
        for statement in guards.unguard(dialect, table):
            op.execute(statement)
        op.drop_table(table)
    op.drop_column("target", "scoring")
