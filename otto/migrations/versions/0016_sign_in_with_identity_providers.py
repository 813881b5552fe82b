"""Sign-in with identity providers (OpenID Connect): the provider identities of each user,
and users who signed in for the first time and wait for an admin.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05 18:30:00
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_user_identity_user_id_user'),
        sa.PrimaryKeyConstraint('id', name='pk_user_identity'),
        sa.UniqueConstraint('provider', 'subject', name='uq_user_identity_provider_subject'),
    )
    op.create_index('ix_user_identity_user_id', 'user_identity', ['user_id'])
    with op.batch_alter_table('user') as batch:
        batch.add_column(
            sa.Column(
                'awaiting_approval', sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('awaiting_approval')
    op.drop_index('ix_user_identity_user_id', table_name='user_identity')
    op.drop_table('user_identity')
