"""Who may see what: every staff page goes through one of these checks."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Administration, School


def district_staff_required(view):
    """District staff only; principals get 403."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_district_staff:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def school_or_404(school_id: int) -> School:
    """A school the signed-in account may read; another district's school is a 404, another
    school of the same district a 403 for a principal."""
    school = db.session.get(School, school_id)
    if school is None or school.district_id != current_user.district_id:
        abort(404)
    if not current_user.can_see_school(school):
        abort(403)
    return school


def administration_or_404(administration_id: int) -> Administration:
    """An administration of the signed-in account's district."""
    administration = db.session.get(Administration, administration_id)
    if administration is None or administration.district_id != current_user.district_id:
        abort(404)
    return administration
