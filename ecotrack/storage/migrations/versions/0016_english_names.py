"""the office's English name (plan.office_en) and a measure's English singular (target.measure_en_one)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Two plain nullable columns (issue 37): `plan: office_en` names the office in English output, and
`measure_en: [firm, firms]` gives a target's measure its singular for a figure written as 1. A plan loaded
before has neither: it reads as it did. No table is rebuilt, so the append-only triggers stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("plan", sa.Column("office_en", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("target", sa.Column("measure_en_one", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("target") as batch:
        batch.drop_column("measure_en_one")
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("office_en")
