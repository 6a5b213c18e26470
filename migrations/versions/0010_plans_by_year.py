"""Action plans per administration (school year) with own and carried items; parental opt-out counts.

Revision ID: 0010
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_plan_item_school_ref', type_='unique')
        batch_op.create_unique_constraint('uq_plan_item_plan_ref', ['school_id', 'administration_id', 'ref'])
        batch_op.create_foreign_key(batch_op.f('fk_plan_item_carried_from_id_plan_item'), 'plan_item',
                                    ['carried_from_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_plan_item_kind'), "kind IN ('recommendation', 'sro', 'own')")

    op.create_table('opt_out',
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=32), nullable=False),
    sa.Column('opted_out', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('opted_out >= 0', name=op.f('ck_opt_out_opted_out')),
    sa.CheckConstraint("respondent_group IN ('student', 'instructional_staff', 'noninstructional_staff', 'parent')",
                       name=op.f('ck_opt_out_respondent_group')),
    sa.ForeignKeyConstraint(['administration_id'], ['administration.id'],
                            name=op.f('fk_opt_out_administration_id_administration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_opt_out_school_id_school')),
    sa.PrimaryKeyConstraint('administration_id', 'school_id', 'respondent_group', name=op.f('pk_opt_out'))
    )


def downgrade():
    op.drop_table('opt_out')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_plan_item_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_plan_item_carried_from_id_plan_item'), type_='foreignkey')
        batch_op.drop_constraint('uq_plan_item_plan_ref', type_='unique')
        batch_op.create_unique_constraint('uq_plan_item_school_ref', ['school_id', 'ref'])
        batch_op.drop_column('carried_from_id')
