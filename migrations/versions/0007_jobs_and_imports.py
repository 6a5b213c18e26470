"""Background jobs with leases (scoring), and a record of each imported file.

Revision ID: 0007
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('worker', sa.String(length=80), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('scoring_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'failed', 'done')", name=op.f('ck_job_state')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_job_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_run.id'], name=op.f('fk_job_scoring_run_id_scoring_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_administration_id'), ['administration_id'], unique=False)
        batch_op.create_index('ix_job_due', ['state', 'run_after'], unique=False)

    op.create_table('import_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('n_rows', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('response_ids', sa.JSON(), nullable=False),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')", name=op.f('ck_import_record_respondent_group')),
    sa.CheckConstraint("state IN ('imported', 'undone')", name=op.f('ck_import_record_state')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_import_record_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_import_record_school_id_school')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_record_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_record')),
    sa.UniqueConstraint('administration_id', 'sha256', name='uq_import_record_file')
    )
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_record_administration_id'), ['administration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_record_administration_id'))
    op.drop_table('import_record')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_due')
        batch_op.drop_index(batch_op.f('ix_job_administration_id'))
    op.drop_table('job')
