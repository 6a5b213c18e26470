"""Reports for principals and district staff: school reports, topic and parent pages, trends,
a printable report, the district comparison (with its CSV) and the response-rate overview.

Every number comes from the current scoring run's stored cells via climate.results; nothing
here rescores. Every route checks who may see it (climate.access)."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import routes  # noqa: E402,F401  (the routes register themselves on bp)
