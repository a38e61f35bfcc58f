"""assigned matters (交办事项, SPEC §17): a matter, and its units' items in the one item table

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

A matter (a leader's 批示, a meeting's decision) is a new append-only table, stamped by the server. Its units'
items are rows of `notice_item`, so that rectifications and matters share one item table and its family
(`rectification_report`, `rectification_decision`, attached files, the server's checks and row-level
security): an item belongs to a notice or to a matter, never both. On SQLite making `notice_id` nullable
rebuilds `notice_item`, so its append-only triggers and the signed-item check that reads it are dropped first
and made again after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import checks, guards

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
ITEM_KEYS = (("id",), ("notice_id", "unit_id"), ("matter_id", "unit_id"))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", TEXT(), nullable=False),
        sa.CheckConstraint("due >= assigned_on", name=op.f("ck_matter_due_after_assigned")),
        sa.CheckConstraint("title <> '' AND source <> ''", name=op.f("ck_matter_said")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_matter_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter")),
    )
    op.create_index(op.f("ix_matter_plan_id"), "matter", ["plan_id"], unique=False)
    for statement in guards.guard(dialect, "matter", (("id",),)):
        op.execute(statement)
    if dialect == "sqlite":
        for statement in [*checks.drop_signed_item_check(dialect), *guards.unguard(dialect, "notice_item")]:
            op.execute(statement)
    with op.batch_alter_table("notice_item") as batch:
        batch.add_column(sa.Column("matter_id", sa.Integer(), nullable=True))
        batch.alter_column("notice_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(op.f("fk_notice_item_matter_id_matter"), "matter", ["matter_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_notice_item_matter_id_unit_id"), ["matter_id", "unit_id"])
        batch.create_check_constraint(op.f("ck_notice_item_one_owner"), "(notice_id IS NULL) <> (matter_id IS NULL)")
        batch.create_index(op.f("ix_notice_item_matter_id"), ["matter_id"], unique=False)
    if dialect == "sqlite":
        for statement in [*guards.guard(dialect, "notice_item", ITEM_KEYS), *checks.signed_item_check(dialect)]:
            op.execute(statement)
    else:
        op.execute(checks.stamp_trigger("matter", "recorded_at", "recorded_by"))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in [*checks.drop_signed_item_check(dialect), *guards.unguard(dialect, "notice_item")]:
            op.execute(statement)
    with op.batch_alter_table("notice_item") as batch:
        batch.drop_index(op.f("ix_notice_item_matter_id"))
        batch.drop_constraint(op.f("ck_notice_item_one_owner"), type_="check")
        batch.drop_constraint(op.f("uq_notice_item_matter_id_unit_id"), type_="unique")
        batch.drop_constraint(op.f("fk_notice_item_matter_id_matter"), type_="foreignkey")
        batch.alter_column("notice_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("matter_id")
    if dialect == "sqlite":
        for statement in [
            *guards.guard(dialect, "notice_item", (("id",), ("notice_id", "unit_id"))),
            *checks.signed_item_check(dialect),
        ]:
            op.execute(statement)
    else:
        op.execute('DROP TRIGGER matter_stamped ON "matter"')
    for statement in guards.unguard(dialect, "matter"):
        op.execute(statement)
    op.drop_index(op.f("ix_matter_plan_id"), table_name="matter")
    op.drop_table("matter")
