"""Throttle rows count attempts for progressive delays: epoch-second times (arithmetic in SQL on
SQLite and PostgreSQL alike) and the last counted value, so a double click counts once. Throttle
rows are short-lived counters, so the table is recreated rather than converted.

Revision ID: 0009
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('throttle')
    op.create_table('throttle',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Float(), nullable=False),
    sa.Column('blocked_until', sa.Float(), nullable=False),
    sa.Column('last_value', sa.String(length=16), nullable=True),
    sa.Column('last_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle'))
    )


def downgrade():
    op.drop_table('throttle')
    op.create_table('throttle',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle'))
    )
