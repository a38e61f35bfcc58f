"""公示, 复核, 审定 (SPEC §15): publications of the trial result, units' appeals and the office's decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Three new tables, append-only like the rest and stamped by the server: `publication` (numbered 1.. in a year,
its content the recorded assessment JSON, its window), `appeal` (a unit's 复核申请 on a publication, filed within
its window: the database checks that too) and `appeal_decision` (one per appeal). The final result keeps the
publications and appeals it followed in its own content; no existing table changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import checks, guards

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
NEW_TABLES = {
    "publication": ((("id",), ("plan_id", "number")), ("published_at", "published_by")),
    "appeal": ((("id",),), ("filed_at", "filed_by")),
    "appeal_decision": ((("id",), ("appeal_id",)), ("decided_at", "decided_by")),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("window_closes", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_publication_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_publication_plan_id_number")),
    )
    op.create_index(op.f("ix_publication_plan_id"), "publication", ["plan_id"], unique=False)
    op.create_table(
        "appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["publication.id"], name=op.f("fk_appeal_publication_id_publication")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_appeal_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal")),
    )
    op.create_index(op.f("ix_appeal_publication_id"), "appeal", ["publication_id"], unique=False)
    op.create_index(op.f("ix_appeal_unit_id"), "appeal", ["unit_id"], unique=False)
    op.create_table(
        "appeal_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("upheld", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refs", TEXT(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeal.id"], name=op.f("fk_appeal_decision_appeal_id_appeal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_decision")),
        sa.UniqueConstraint("appeal_id", name=op.f("uq_appeal_decision_appeal_id")),
    )
    for table, (keys, (at, by)) in NEW_TABLES.items():
        for statement in guards.guard(dialect, table, keys):
            op.execute(statement)
        if dialect != "sqlite":
            op.execute(checks.stamp_trigger(table, at, by))
    for statement in checks.appeal_checks(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in checks.appeal_unchecks(dialect):
        op.execute(statement)
    for table in reversed(list(NEW_TABLES)):
        if dialect != "sqlite":
            op.execute(f'DROP TRIGGER {table}_stamped ON "{table}"')
        for statement in guards.unguard(dialect, table):
            op.execute(statement)
        op.drop_table(table)
