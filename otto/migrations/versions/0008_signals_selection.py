"""Signals (tips) about businesses and the selection score's weights; a business's telephone
and e-mail.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 14:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('email', sa.String(length=200), server_default='', nullable=False))

    op.create_table(
        'signal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('business_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('agency_code', sa.String(length=20), nullable=True),
        sa.Column('visibility', sa.String(length=10), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_signal_agency_code_agency')),
        sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_signal_business_id_business')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_signal_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal')),
    )
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signal_received_on'), ['received_on'], unique=False)

    op.create_table(
        'selection_weight',
        sa.Column('factor', sa.String(length=60), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('factor', name=op.f('pk_selection_weight')),
    )


def downgrade():
    op.drop_table('selection_weight')
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_received_on'))
        batch_op.drop_index(batch_op.f('ix_signal_business_id'))
    op.drop_table('signal')
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('phone')
