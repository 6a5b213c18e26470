"""Administrations, pinned instruments, access codes, open links, responses and answers.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('administration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('sro_module', sa.Boolean(), nullable=False),
    sa.Column('consent_text', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_processed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('opens_at < closes_at', name=op.f('ck_administration_window')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_administration_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_administration')),
    sa.UniqueConstraint('district_id', 'name', name='uq_administration_district_name')
    )
    with op.batch_alter_table('administration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_administration_district_id'), ['district_id'], unique=False)

    op.create_table('administration_group',
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('instrument_version', sa.String(length=32), nullable=False),
    sa.Column('instrument', sa.JSON(), nullable=False),
    sa.Column('custom_items', sa.JSON(), nullable=False),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')", name=op.f('ck_administration_group_respondent_group')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_administration_group_administration_id_administration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('administration_id', 'respondent_group', name=op.f('pk_administration_group'))
    )

    op.create_table('administration_school',
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_administration_school_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_administration_school_school_id_school')),
    sa.PrimaryKeyConstraint('administration_id', 'school_id', name=op.f('pk_administration_school'))
    )

    op.create_table('access_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')", name=op.f('ck_access_code_respondent_group')),
    sa.CheckConstraint("status IN ('issued', 'started', 'opted_out', 'submitted')", name=op.f('ck_access_code_status')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_access_code_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_access_code_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code')),
    sa.UniqueConstraint('code', name=op.f('uq_access_code_code'))
    )
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.create_index('ix_access_code_admin_school_group', ['administration_id', 'school_id', 'respondent_group'], unique=False)

    op.create_table('open_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')", name=op.f('ck_open_link_respondent_group')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_open_link_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_open_link_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_link')),
    sa.UniqueConstraint('administration_id', 'school_id', 'respondent_group', name='uq_open_link_target'),
    sa.UniqueConstraint('token', name=op.f('uq_open_link_token'))
    )

    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('access_code_id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')", name=op.f('ck_response_respondent_group')),
    sa.CheckConstraint("status IN ('in_progress', 'submitted', 'incomplete')", name=op.f('ck_response_status')),
    sa.ForeignKeyConstraint(['access_code_id'], ['access_code.id'], name=op.f('fk_response_access_code_id_access_code'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_response_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_response_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response')),
    sa.UniqueConstraint('access_code_id', name=op.f('uq_response_access_code_id'))
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_admin_school_group', ['administration_id', 'school_id', 'respondent_group'], unique=False)

    op.create_table('answer',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'item_id', name=op.f('pk_answer'))
    )


def downgrade():
    op.drop_table('answer')
    op.drop_table('response')
    op.drop_table('open_link')
    op.drop_table('access_code')
    op.drop_table('administration_school')
    op.drop_table('administration_group')
    with op.batch_alter_table('administration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_administration_district_id'))

    op.drop_table('administration')
