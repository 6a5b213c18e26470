"""The research office's pages (blueprint `research`, district staff): calibrations per respondent
group, each calibration's item thresholds, fit, reliability, link to the reference, empty-category
notes and DIF, making a calibration the reference, re-scoring with it, and the thresholds CSV.

- routes.py: the pages and actions; forms.py: the action forms
- calibrations.py: making calibrations (also `climate calibrate`), DIF, visibility, the CSV"""
from flask import Blueprint

bp = Blueprint("research", __name__, url_prefix="/research")

from . import routes  # noqa: E402,F401  (the routes register themselves on bp)
