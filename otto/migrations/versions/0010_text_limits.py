"""Every free-text column gets its length from otto.limits (issue 21): text that was
unbounded (`Text`) becomes `String(n)`, and a business's e-mail is as long as any other.

PostgreSQL refuses the change when a stored value is already longer than its new limit
(`value too long for type character varying`): shorten those values first, by hand, since
cutting someone's finding text silently is not this migration's decision.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 17:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# (table, column, type before, type after). The lengths are otto.limits' at this revision.
CHANGES = [
    ('agency', 'postal_address', sa.Text(), sa.String(length=400)),
    ('business', 'email', sa.String(length=200), sa.String(length=254)),
    ('business', 'notes', sa.Text(), sa.String(length=20000)),
    ('signal', 'text', sa.Text(), sa.String(length=5000)),
    ('visit', 'briefing', sa.Text(), sa.String(length=20000)),
    ('answer', 'note', sa.Text(), sa.String(length=20000)),
    ('finding', 'description', sa.Text(), sa.String(length=20000)),
    ('photo_link', 'caption', sa.Text(), sa.String(length=20000)),
    ('follow_up', 'note', sa.Text(), sa.String(length=20000)),
]


def _alter(forward: bool) -> None:
    for table, column, before, after in CHANGES:
        old, new = (before, after) if forward else (after, before)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=old, type_=new, existing_nullable=False)


def upgrade():
    _alter(forward=True)


def downgrade():
    _alter(forward=False)
