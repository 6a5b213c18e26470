"""The calibration page's action forms (both POST with a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp


class ReferenceForm(FlaskForm):
    """Make this calibration the reference: nothing to fill in but the token."""


class RescoreForm(FlaskForm):
    """Re-score one administration; the button carries its id."""
    administration_id = HiddenField(validators=[DataRequired(_l("Choose an administration to re-score.")),
                                                Regexp(r"^\d+$", message=_l("Choose an administration to re-score."))])
