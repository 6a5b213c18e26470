"""Disclosure revisions: scoring runs as numbered, published revisions with their disclosure
decision; reasons and labels of hidden group results; the record of restricted-export downloads.

Revision ID: 0008
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('audit_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cell_counts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('hidden_cells', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('respondents', sa.JSON(), nullable=True))
    # results stored before revisions existed were all shown when they were made: each run is a
    # published revision, numbered in the order the runs were made
    runs = op.get_bind().execute(sa.text(
        "SELECT id, administration_id, created_at FROM scoring_run ORDER BY administration_id, id")).all()
    number = {}
    for run_id, admin_id, created in runs:
        number[admin_id] = number.get(admin_id, 0) + 1
        op.get_bind().execute(sa.text("UPDATE scoring_run SET revision = :r, published_at = :p WHERE id = :i"),
                              {"r": number[admin_id], "p": created, "i": run_id})
    with op.batch_alter_table('group_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('label', sa.String(length=120), nullable=True))
    op.create_table(
        'export_download',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_email', sa.String(length=254), nullable=False),
        sa.Column('administration_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('downloaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('export_download', schema=None) as batch_op:
        batch_op.create_index('ix_export_download_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('export_download', schema=None) as batch_op:
        batch_op.drop_index('ix_export_download_user_id')
    op.drop_table('export_download')
    with op.batch_alter_table('group_result', schema=None) as batch_op:
        batch_op.drop_column('label')
        batch_op.drop_column('reason')
    with op.batch_alter_table('scoring_run', schema=None) as batch_op:
        for column in ('respondents', 'hidden_cells', 'cell_counts', 'audit_message', 'published_at', 'revision'):
            batch_op.drop_column(column)
