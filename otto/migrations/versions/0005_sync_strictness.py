"""Sync strictness and photo possession: conflict entity ids sized for the longest answer
key the schemas allow; who uploaded (holds) each photo's bytes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 00:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.String(length=64), type_=sa.String(length=160), existing_nullable=False)
    op.create_table('photo_holder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_photo_holder_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_holder')),
    sa.UniqueConstraint('photo_sha256', 'user_id', name=op.f('uq_photo_holder_photo_sha256_user_id'))
    )
    with op.batch_alter_table('photo_holder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_holder_photo_sha256'), ['photo_sha256'], unique=False)
    # Every photo's first uploader holds it.
    op.execute(
        "INSERT INTO photo_holder (photo_sha256, user_id) "
        "SELECT sha256, uploaded_by_id FROM photo WHERE uploaded_by_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('photo_holder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_holder_photo_sha256'))
    op.drop_table('photo_holder')
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.alter_column('entity_id', existing_type=sa.String(length=160), type_=sa.String(length=64), existing_nullable=False)
