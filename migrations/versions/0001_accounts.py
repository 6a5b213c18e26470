"""District, schools, staff accounts and sign-in throttling.

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('district',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_district')),
    sa.UniqueConstraint('name', name=op.f('uq_district_name'))
    )

    op.create_table('throttle',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle'))
    )

    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nces_id', sa.String(length=12), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('grade_low', sa.Integer(), nullable=False),
    sa.Column('grade_high', sa.Integer(), nullable=False),
    sa.Column('enrollment_student', sa.Integer(), nullable=False),
    sa.Column('enrollment_instructional_staff', sa.Integer(), nullable=False),
    sa.Column('enrollment_noninstructional_staff', sa.Integer(), nullable=False),
    sa.Column('enrollment_parent', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('elementary', 'middle', 'high', 'other')", name=op.f('ck_school_level')),
    sa.CheckConstraint('grade_low <= grade_high', name=op.f('ck_school_grades')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_school_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('district_id', 'name', name='uq_school_district_name'),
    sa.UniqueConstraint('nces_id', name=op.f('uq_school_nces_id'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_district_id'), ['district_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('district_staff', 'principal')", name=op.f('ck_user_account_role')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_user_account_district_id_district')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_district_id'), ['district_id'], unique=False)

    op.create_table('user_school',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_user_school_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_school_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'school_id', name=op.f('pk_user_school'))
    )


def downgrade():
    op.drop_table('user_school')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_district_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_district_id'))

    op.drop_table('school')
    op.drop_table('throttle')
    op.drop_table('district')
