"""Calibrations, scoring runs, person scale scores and stored group results.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calibration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('instrument_version', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=True),
    sa.Column('anchored_to_id', sa.Integer(), nullable=True),
    sa.Column('is_reference', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('transforms', sa.JSON(), nullable=False),
    sa.Column('statistics', sa.JSON(), nullable=False),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')", name=op.f('ck_calibration_respondent_group')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_calibration_administration_id_administration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['anchored_to_id'], ['calibration.id'], name=op.f('fk_calibration_anchored_to_id_calibration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration'))
    )
    with op.batch_alter_table('calibration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calibration_respondent_group'), ['respondent_group'], unique=False)

    op.create_table('scoring_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('calibrations', sa.JSON(), nullable=False),
    sa.Column('min_n', sa.Integer(), nullable=False),
    sa.Column('n_scored', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_scoring_run_administration_id_administration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_run'))
    )
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scoring_run_administration_id'), ['administration_id'], unique=False)

    op.create_table('person_score',
    sa.Column('scoring_run_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_person_score_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_run.id'], name=op.f('fk_person_score_scoring_run_id_scoring_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scoring_run_id', 'response_id', name=op.f('pk_person_score'))
    )

    op.create_table('group_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scoring_run_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('measure_kind', sa.String(length=8), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('subgroup', sa.String(length=24), nullable=True),
    sa.Column('subgroup_value', sa.String(length=40), nullable=True),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('se', sa.Float(), nullable=True),
    sa.Column('ci_low', sa.Float(), nullable=True),
    sa.Column('ci_high', sa.Float(), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('pct_levels', sa.JSON(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('pct', sa.JSON(), nullable=True),
    sa.Column('pct_favourable', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_group_result_school_id_school')),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_run.id'], name=op.f('fk_group_result_scoring_run_id_scoring_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_result'))
    )
    with op.batch_alter_table('group_result', schema=None) as batch_op:
        batch_op.create_index('ix_group_result_lookup', ['scoring_run_id', 'school_id', 'respondent_group'], unique=False)


def downgrade():
    op.drop_table('group_result')
    op.drop_table('person_score')
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scoring_run_administration_id'))

    op.drop_table('scoring_run')
    with op.batch_alter_table('calibration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calibration_respondent_group'))

    op.drop_table('calibration')
