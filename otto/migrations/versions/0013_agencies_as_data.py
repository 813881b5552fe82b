"""Agencies as data: an agency can be switched off, has a colour, and carries its own
report texts (purpose, legal basis, right to comment, appeal, fee notice).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 17:30:00

Empty report texts mean "the built-in text for this code", so existing agencies keep
printing what they printed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TEXTS = ('purpose', 'legal_basis', 'right_to_comment', 'appeal', 'fee_notice')
# The order the agencies were listed in while they were a list in the code.
ORDER = ('miljo', 'brand', 'livsmedel', 'polis', 'skatt', 'arbetsmiljo', 'migration')


def upgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('colour', sa.String(length=7), server_default='#5b6770', nullable=False))
        for name in TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='100', nullable=False))
    agency = sa.table('agency', sa.column('code'), sa.column('position'))
    for position, code in enumerate(ORDER, 1):
        op.execute(agency.update().where(agency.c.code == code).values(position=position))


def downgrade():
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('position')
        for name in reversed(TEXTS):
            batch_op.drop_column(name)
        batch_op.drop_column('colour')
        batch_op.drop_column('enabled')
