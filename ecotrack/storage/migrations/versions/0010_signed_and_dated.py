"""a notice the office signs and dates (SPEC §16): 成文日期, 签发, 销号 by override, 限期重报

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Plain ADD COLUMNs, nullable or with a default that leaves every existing record meaning what it meant: a
notice's `dated` (its 成文日期; none recorded: its as-of date), a decision's `decided_on` (the day it was taken,
for a decision on paper; none: the day it was recorded) and a return's `refile_by` (none: no deadline), a
close's `override` (false: closed on the data). One new table, `notice_signature`, one row per signed notice
(签发), append-only and stamped by the server like the rest; and the rule that nobody answers an item of a
notice still awaiting its signature where the plan requires one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ecotrack.storage import checks, guards

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("notice", sa.Column("dated", sa.Date(), nullable=True))
    op.add_column("review_decision", sa.Column("refile_by", sa.Date(), nullable=True))
    op.add_column("review_decision", sa.Column("decided_on", sa.Date(), nullable=True))
    op.add_column(
        "rectification_decision", sa.Column("override", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "notice_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_signature_notice_id_notice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_signature")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_notice_signature_notice_id")),
    )
    for statement in guards.guard(dialect, "notice_signature", (("id",), ("notice_id",))):
        op.execute(statement)
    if dialect != "sqlite":
        op.execute(checks.stamp_trigger("notice_signature", "signed_at", "signed_by"))
    for statement in checks.signed_item_check(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in checks.drop_signed_item_check(dialect):
        op.execute(statement)
    if dialect != "sqlite":
        op.execute('DROP TRIGGER notice_signature_stamped ON "notice_signature"')
    for statement in guards.unguard(dialect, "notice_signature"):
        op.execute(statement)
    op.drop_table("notice_signature")
    op.drop_column("rectification_decision", "override")
    op.drop_column("review_decision", "decided_on")
    op.drop_column("review_decision", "refile_by")
    op.drop_column("notice", "dated")
