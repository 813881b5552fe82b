"""The working set of a device: when a visit ended (closed or cancelled) and when it left
every device's working set; indexes that keep a pull page's cost independent of history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_visit_archived_at'), ['archived_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_ended_at'), ['ended_at'], unique=False)
    # Visits already closed or cancelled ended at their last change, as far as we know; the
    # archiving job lets those past the window leave the devices on its first run.
    op.execute(
        "UPDATE visit SET ended_at = updated_at WHERE status IN ('closed', 'cancelled')"
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_visit_id_seq', ['visit_id', 'seq'], unique=False)
        batch_op.create_index(
            'ix_change_entity_entity_id_seq', ['entity', 'entity_id', 'seq'], unique=False
        )
        batch_op.drop_index('ix_change_visit_id')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_user_id_visit_id', ['user_id', 'visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_user_id_visit_id')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_visit_id', ['visit_id'], unique=False)
        batch_op.drop_index('ix_change_entity_entity_id_seq')
        batch_op.drop_index('ix_change_visit_id_seq')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_ended_at'))
        batch_op.drop_index(batch_op.f('ix_visit_archived_at'))
        batch_op.drop_column('archived_at')
        batch_op.drop_column('ended_at')
