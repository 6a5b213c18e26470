"""Consent text per respondent group: administration.consent_text becomes {respondent group: {"en",
"es"}}. An existing administration's one text, written for students, is kept as the student
group's; the other groups then read their own default text.

Revision ID: 0011_fast
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_fast'
down_revision = '0010'
branch_labels = None
depends_on = None

LANGUAGES = {'en', 'es'}
_administration = sa.table('administration', sa.column('id', sa.Integer), sa.column('consent_text', sa.JSON))


def _one_text(value) -> bool:
    """The old shape: {"en": text, "es": text}."""
    return isinstance(value, dict) and set(value) <= LANGUAGES and all(isinstance(v, str) for v in value.values())


def _rewrite(convert) -> None:
    conn = op.get_bind()
    for row in conn.execute(sa.select(_administration.c.id, _administration.c.consent_text)).all():
        new = convert(row.consent_text)
        if new is not None:
            conn.execute(_administration.update().where(_administration.c.id == row.id).values(consent_text=new))


def upgrade():
    _rewrite(lambda value: ({'student': value} if value else {}) if _one_text(value) else None)


def downgrade():
    def one(value):
        if not isinstance(value, dict) or _one_text(value):
            return None
        texts = value.get('student') or next(iter(value.values()), {})
        return {k: v for k, v in texts.items() if k in LANGUAGES}
    _rewrite(one)
