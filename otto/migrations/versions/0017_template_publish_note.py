"""A published checklist version says what changed: the note its publisher wrote.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:00:00
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# otto.limits.PUBLISH_NOTE when this migration was written (a migration never follows a
# later change of the constant: that would be a migration of its own).
PUBLISH_NOTE = 2000


def upgrade():
    with op.batch_alter_table('template_version') as batch:
        batch.add_column(sa.Column('publish_note', sa.String(length=PUBLISH_NOTE), nullable=True))


def downgrade():
    with op.batch_alter_table('template_version') as batch:
        batch.drop_column('publish_note')
