"""notices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 18:21:39.336626
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('document_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('evaluation_month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_notice_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('plan_id', 'evaluation_month', name=op.f('uq_notice_plan_id_evaluation_month')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_notice_plan_id_number'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_plan_id'), ['plan_id'], unique=False)

    op.create_table('notice_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('count_this_year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_item_notice_id_notice')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_notice_item_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_item')),
    sa.UniqueConstraint('notice_id', 'unit_id', name=op.f('uq_notice_item_notice_id_unit_id'))
    )
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_item_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_item_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notice_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_item_unit_id'))
        batch_op.drop_index(batch_op.f('ix_notice_item_notice_id'))

    op.drop_table('notice_item')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_plan_id'))

    op.drop_table('notice')
