"""Index group results by measure, for district-wide reads such as the comparison of schools.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('group_result', schema=None) as batch_op:
        batch_op.create_index('ix_group_result_measure',
                              ['scoring_run_id', 'respondent_group', 'measure_kind', 'measure'], unique=False)


def downgrade():
    with op.batch_alter_table('group_result', schema=None) as batch_op:
        batch_op.drop_index('ix_group_result_measure')
