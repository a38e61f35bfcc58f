"""targets keep an optional English measure (measure_en, SPEC §12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

A plain nullable column: no table is rebuilt, so the append-only triggers of 0004 stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("target", sa.Column("measure_en", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("target") as batch:
        batch.drop_column("measure_en")
