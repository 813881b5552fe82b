"""The known agencies as rows, so a fresh database can take templates and users at once
(`install-templates` before `create-user`); mail send records count their attempts, so a
mail the SMTP server was not there for is tried again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:30:00

Only code, name and default visibility are written; other agency columns keep their
defaults. Agencies already present (created by `create-user` or `seed-demo` on an older
database) are left as they are.
"""
import sqlalchemy as sa
from alembic import op

# The agencies as they were when this revision was written: a migration carries its own data
# (the application's tables of names may change later; this revision must not).
AGENCIES = {
    'miljo': ('Miljö- och hälsoskydd', 'joint'),
    'brand': ('Räddningstjänsten', 'joint'),
    'livsmedel': ('Livsmedelskontrollen', 'joint'),
    'polis': ('Polismyndigheten', 'agency'),
    'skatt': ('Skatteverket', 'agency'),
    'arbetsmiljo': ('Arbetsmiljöverket', 'joint'),
    'migration': ('Migrationsverket', 'agency'),
}


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


MAIL_TABLES = ('reminder_sent', 'digest_sent')


def upgrade():
    for table in MAIL_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='1', nullable=False))
            batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_next_attempt_at'), ['next_attempt_at'], unique=False)

    agency = sa.table(
        'agency', sa.column('code'), sa.column('name'), sa.column('default_visibility')
    )
    present = set(op.get_bind().scalars(sa.select(agency.c.code)))
    op.bulk_insert(agency, [
        {'code': code, 'name': name, 'default_visibility': visibility}
        for code, (name, visibility) in AGENCIES.items()
        if code not in present
    ])


def downgrade():
    for table in MAIL_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_next_attempt_at'))
            batch_op.drop_column('next_attempt_at')
            batch_op.drop_column('attempts')
    # Users, templates, visits and reports refer to the agencies, and before this revision
    # `create-user` made them too: the rows are data now and stay (upgrade skips them).
