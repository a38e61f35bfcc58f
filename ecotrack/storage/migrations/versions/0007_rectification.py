"""rectification (SPEC §10): voided notices, rectification reports and decisions, attachments, contacts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

A voided notice's month may be issued again, so the notice table loses its one-notice-per-month
constraint (the check moves to issuing, which leaves voided notices out; the number stays unique). On
SQLite that rebuilds the table: its append-only triggers are dropped first and made again after. The
other changes are plain ADD COLUMNs and new tables, each guarded like the rest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import guards

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = {
    "notice_void": (("id",), ("notice_id",)),
    "rectification_report": (("id",),),
    "rectification_decision": (("id",),),
    "attachment": (("id",), ("sha256",)),
    "attachment_link": (("id",),),
}
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("unit", sa.Column("contact_name", TEXT(), nullable=True))
    op.add_column("unit", sa.Column("contact_phone", TEXT(), nullable=True))
    op.add_column("notice_item", sa.Column("added_reason", TEXT(), nullable=False, server_default=""))
    if dialect == "sqlite":
        for statement in guards.unguard(dialect, "notice"):
            op.execute(statement)
        with op.batch_alter_table("notice") as batch:
            batch.drop_constraint("uq_notice_plan_id_evaluation_month", type_="unique")
        for statement in guards.guard(dialect, "notice", (("id",), ("plan_id", "number"))):
            op.execute(statement)
    else:
        op.drop_constraint("uq_notice_plan_id_evaluation_month", "notice", type_="unique")
    op.create_table(
        "notice_void",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("reason", TEXT(), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_void_notice_id_notice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_void")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_notice_void_notice_id")),
    )
    op.create_table(
        "rectification_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("reported_by", TEXT(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_item_id"], ["notice_item.id"], name=op.f("fk_rectification_report_notice_item_id_notice_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_report")),
    )
    op.create_index(
        op.f("ix_rectification_report_notice_item_id"), "rectification_report", ["notice_item_id"], unique=False
    )
    op.create_table(
        "rectification_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_item_id", sa.Integer(), nullable=False),
        sa.Column("action", TEXT(), nullable=False),
        sa.Column("note", TEXT(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", TEXT(), nullable=False),
        sa.CheckConstraint("action IN ('closed', 'reopened')", name=op.f("ck_rectification_decision_action_known")),
        sa.ForeignKeyConstraint(
            ["notice_item_id"],
            ["notice_item.id"],
            name=op.f("fk_rectification_decision_notice_item_id_notice_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_decision")),
    )
    op.create_index(
        op.f("ix_rectification_decision_notice_item_id"), "rectification_decision", ["notice_item_id"], unique=False
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", TEXT(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("sha256", name=op.f("uq_attachment_sha256")),
    )
    op.create_table(
        "attachment_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(entry_id IS NULL) <> (report_id IS NULL)", name=op.f("ck_attachment_link_one_owner")),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachment.id"], name=op.f("fk_attachment_link_attachment_id_attachment")
        ),
        sa.ForeignKeyConstraint(["entry_id"], ["entry.id"], name=op.f("fk_attachment_link_entry_id_entry")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["rectification_report.id"], name=op.f("fk_attachment_link_report_id_rectification_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_link")),
    )
    for column in ("attachment_id", "entry_id", "report_id"):
        op.create_index(op.f(f"ix_attachment_link_{column}"), "attachment_link", [column], unique=False)
    for table, keys in NEW_TABLES.items():
        for statement in guards.guard(dialect, table, keys):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(list(NEW_TABLES)):
        for statement in guards.unguard(dialect, table):
            op.execute(statement)
        op.drop_table(table)
    op.drop_column("notice_item", "added_reason")
    op.drop_column("unit", "contact_phone")
    op.drop_column("unit", "contact_name")
