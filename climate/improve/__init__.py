"""From scores to action: recommendations, the SRO (SECURe) self-assessment, action plans and
monitoring of plan items at the next administration.

Numbers come only from stored results (climate.results); the rules live in surveys.recommend.

Who may do what:
  - a principal sees their own schools; district staff see every school of their district;
    another district's school is a 404, another school of the same district a 403;
  - the SECURe checklist of a school is edited by district staff and by that school's principal
    (the principal completes the checklist for their own school); the district-wide checklist
    is edited by district staff only and read by principals;
  - action plans are edited by the school's principal and district staff; district staff also
    see every school's plan on one page.
"""
from flask import Blueprint

bp = Blueprint("improve", __name__, url_prefix="/improve")

from . import routes  # noqa: E402,F401  (the routes register themselves on bp)
