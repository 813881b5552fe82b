"""Issued reports: archived PDF/A reports of closed visits, versioned, with their SHA-256.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:22:50.685956

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('agency_code', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('pdf_variant', sa.String(length=20), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_report_agency_code_agency')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_report_created_by_id_user')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_report_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('visit_id', 'agency_code', 'version', name=op.f('uq_report_visit_id_agency_code_version'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index('uq_report_joint_version', ['visit_id', 'version'], unique=True, sqlite_where=sa.text('agency_code IS NULL'), postgresql_where=sa.text('agency_code IS NULL'))



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('uq_report_joint_version', sqlite_where=sa.text('agency_code IS NULL'), postgresql_where=sa.text('agency_code IS NULL'))
        batch_op.drop_index(batch_op.f('ix_report_visit_id'))

    op.drop_table('report')
