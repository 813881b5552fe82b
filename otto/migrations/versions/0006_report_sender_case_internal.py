"""Report sender per agency, a case number per participation, internal findings, device time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_SENDER = ('organisation', 'unit', 'postal_address', 'phone', 'email', 'web')


def upgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postal_address', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('web', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_number', sa.String(length=40), nullable=False, server_default=''))
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('internal', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_time', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('client_time')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_column('internal')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('case_number')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('logo')
        for column in reversed(_SENDER):
            batch_op.drop_column(column)
