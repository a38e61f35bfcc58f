"""Requests (延期, 调整, 免责, SPEC §17) and the office's decisions on them: the amendments of the plan

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Two new tables, append-only like the rest and stamped by the server: `request` (a unit's request about one of
its assignments: extend to a date, a new amount, or exempt; by unit and target code, so that a plan loaded again
never has to remove it) and `request_decision` (one per request: approved or rejected, from which month's report
it decides). No existing table changes; the plan file and its tables are never rewritten by an amendment.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import checks, guards

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
NEW_TABLES = {
    "request": ((("id",),), ("requested_at", "requested_by")),
    "request_decision": ((("id",), ("request_id",)), ("decided_at", "decided_by")),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit", TEXT(), nullable=False),
        sa.Column("target", TEXT(), nullable=False),
        sa.Column("kind", TEXT(), nullable=False),
        sa.Column("extend_to", sa.Date(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_request_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request")),
    )
    op.create_index(op.f("ix_request_plan_id"), "request", ["plan_id"], unique=False)
    op.create_index(op.f("ix_request_unit"), "request", ["unit"], unique=False)
    op.create_table(
        "request_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("from_period", TEXT(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"], name=op.f("fk_request_decision_request_id_request")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_decision")),
        sa.UniqueConstraint("request_id", name=op.f("uq_request_decision_request_id")),
    )
    for table, (keys, (at, by)) in NEW_TABLES.items():
        for statement in guards.guard(dialect, table, keys):
            op.execute(statement)
        if dialect != "sqlite":
            op.execute(checks.stamp_trigger(table, at, by))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(list(NEW_TABLES)):
        if dialect != "sqlite":
            op.execute(f'DROP TRIGGER {table}_stamped ON "{table}"')
        for statement in guards.unguard(dialect, table):
            op.execute(statement)
        op.drop_table(table)
