"""files attached to appeals (SPEC §15) and requests (§17): two more owners of an attachment link

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

`attachment_link` learns an appeal and a request as owners beside an entry and a rectification report (an
assigned matter's answer is a rectification report already), and its check becomes "exactly one owner". On
SQLite that rebuilds the table, so its append-only triggers are dropped first and made again after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ecotrack.storage import guards

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNERS = ("entry_id", "report_id", "appeal_id", "request_id")
ONE_OWNER = " + ".join(f"(CASE WHEN {owner} IS NULL THEN 0 ELSE 1 END)" for owner in OWNERS) + " = 1"
TWO_OWNERS = "(entry_id IS NULL) <> (report_id IS NULL)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in guards.unguard(dialect, "attachment_link"):
            op.execute(statement)
    with op.batch_alter_table("attachment_link") as batch:
        batch.drop_constraint(op.f("ck_attachment_link_one_owner"), type_="check")
        batch.add_column(sa.Column("appeal_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_attachment_link_appeal_id_appeal"), "appeal", ["appeal_id"], ["id"])
        batch.create_foreign_key(op.f("fk_attachment_link_request_id_request"), "request", ["request_id"], ["id"])
        batch.create_check_constraint(op.f("ck_attachment_link_one_owner"), ONE_OWNER)
        batch.create_index(op.f("ix_attachment_link_appeal_id"), ["appeal_id"], unique=False)
        batch.create_index(op.f("ix_attachment_link_request_id"), ["request_id"], unique=False)
    if dialect == "sqlite":
        for statement in guards.guard(dialect, "attachment_link", (("id",),)):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in guards.unguard(dialect, "attachment_link"):
            op.execute(statement)
    with op.batch_alter_table("attachment_link") as batch:
        batch.drop_index(op.f("ix_attachment_link_request_id"))
        batch.drop_index(op.f("ix_attachment_link_appeal_id"))
        batch.drop_constraint(op.f("ck_attachment_link_one_owner"), type_="check")
        batch.drop_constraint(op.f("fk_attachment_link_request_id_request"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_attachment_link_appeal_id_appeal"), type_="foreignkey")
        batch.drop_column("request_id")
        batch.drop_column("appeal_id")
        batch.create_check_constraint(op.f("ck_attachment_link_one_owner"), TWO_OWNERS)
    if dialect == "sqlite":
        for statement in guards.guard(dialect, "attachment_link", (("id",),)):
            op.execute(statement)
