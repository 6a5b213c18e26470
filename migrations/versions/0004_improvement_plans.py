"""SECURe SRO self-assessments and school action plans.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sro_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('has_sro', sa.Boolean(), nullable=False),
    sa.Column('mou_date', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_sro_assessment_district_id_district')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_sro_assessment_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sro_assessment')),
    sa.UniqueConstraint('district_id', 'school_id', name='uq_sro_assessment_scope')
    )

    op.create_table('sro_rating',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.CheckConstraint("rating IN ('met', 'partly', 'not_met', 'not_applicable')", name=op.f('ck_sro_rating_rating')),
    sa.ForeignKeyConstraint(['assessment_id'], ['sro_assessment.id'], name=op.f('fk_sro_rating_assessment_id_sro_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id', 'criterion_id', name=op.f('pk_sro_rating'))
    )

    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=True),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name=op.f('ck_plan_item_status')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'], name=op.f('fk_plan_item_administration_id_administration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_plan_item_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item')),
    sa.UniqueConstraint('school_id', 'ref', name='uq_plan_item_school_ref')
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_school_id'))

    op.drop_table('plan_item')
    op.drop_table('sro_rating')
    op.drop_table('sro_assessment')
