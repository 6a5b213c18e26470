"""The import form (WTForms): respondent group, school (or each row names its own) and the CSV file."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from ..labels import group_label
from ..models import Administration


class ImportForm(FlaskForm):
    group = SelectField(_l("Respondent group"), validators=[InputRequired()])
    school = SelectField(_l("School"), validators=[InputRequired()])
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    submit = SubmitField(_l("Check and import"))


def import_form(administration: Administration, **kwargs) -> ImportForm:
    form = ImportForm(**kwargs)
    form.group.choices = [(g.respondent_group, group_label(g.respondent_group)) for g in administration.groups]
    form.school.choices = [("", _("Each row names its school (SCHOOL or NCES_ID column)"))] + [
        (str(s.id), s.name) for s in administration.schools]
    form.school.validators = []
    return form
