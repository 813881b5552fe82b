"""The read log: who read which agency-only items, when and how (append-only).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'read_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=True),
        sa.Column('how', sa.String(length=20), nullable=False),
        sa.Column('route', sa.String(length=200), nullable=False),
        sa.Column('visit_id', sa.String(length=36), nullable=True),
        sa.Column('item_count', sa.Integer(), nullable=False),
        sa.Column('items', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_read_event_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_read_event')),
    )
    with op.batch_alter_table('read_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_read_event_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_read_event_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('read_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_event_visit_id'))
        batch_op.drop_index(batch_op.f('ix_read_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_read_event_at'))
    op.drop_table('read_event')
