"""Persons on site: who was found working at a visited business (identity numbers encrypted,
with a keyed hash), each agency's observations on them, and the counts kept after retention.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 18:00:00
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _item_columns():
    """The columns every agency-owned, per-field merged row has."""
    return [
        sa.Column('visibility', sa.String(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('field_meta', sa.JSON(), nullable=False),
    ]


def upgrade():
    op.create_table(
        'site_person',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('visit_id', sa.String(length=36), nullable=False),
        sa.Column('agency_code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('id_kind', sa.String(length=20), nullable=False),
        sa.Column('number_token', sa.Text(), nullable=True),
        sa.Column('number_hash', sa.String(length=64), nullable=True),
        sa.Column('missing_reason', sa.String(length=500), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('role', sa.String(length=120), nullable=False),
        sa.Column('employer_name', sa.String(length=200), nullable=False),
        sa.Column('employer_org_number', sa.String(length=11), nullable=False),
        sa.Column('id_document', sa.String(length=30), nullable=False),
        *_item_columns(),
        sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_site_person_agency_code_agency')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_site_person_created_by_id_user')),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_site_person_visit_id_visit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_person')),
        sa.UniqueConstraint('visit_id', 'number_hash', name=op.f('uq_site_person_visit_id_number_hash')),
    )
    with op.batch_alter_table('site_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_person_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_person_number_hash'), ['number_hash'], unique=False)

    op.create_table(
        'person_observation',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('visit_id', sa.String(length=36), nullable=False),
        sa.Column('agency_code', sa.String(length=20), nullable=False),
        sa.Column('in_ledger', sa.String(length=15), nullable=True),
        sa.Column('right_to_work', sa.String(length=15), nullable=True),
        sa.Column('note', sa.String(length=20000), nullable=False),
        *_item_columns(),
        sa.ForeignKeyConstraint(['agency_code'], ['agency.code'], name=op.f('fk_person_observation_agency_code_agency')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_person_observation_created_by_id_user')),
        sa.ForeignKeyConstraint(['person_id'], ['site_person.id'], name=op.f('fk_person_observation_person_id_site_person')),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_person_observation_visit_id_visit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_observation')),
        sa.UniqueConstraint('person_id', 'agency_code', name=op.f('uq_person_observation_person_id_agency_code')),
    )
    with op.batch_alter_table('person_observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_observation_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_observation_visit_id'), ['visit_id'], unique=False)

    op.create_table(
        'person_tally',
        sa.Column('visit_id', sa.String(length=36), nullable=False),
        sa.Column('persons', sa.Integer(), nullable=False),
        sa.Column('not_in_ledger', sa.Integer(), nullable=False),
        sa.Column('no_right_to_work', sa.Integer(), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_person_tally_visit_id_visit')),
        sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_person_tally')),
    )


def downgrade():
    op.drop_table('person_tally')
    with op.batch_alter_table('person_observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_observation_visit_id'))
        batch_op.drop_index(batch_op.f('ix_person_observation_person_id'))
    op.drop_table('person_observation')
    with op.batch_alter_table('site_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_person_number_hash'))
        batch_op.drop_index(batch_op.f('ix_site_person_visit_id'))
    op.drop_table('site_person')
