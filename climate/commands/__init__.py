"""The app's own commands for the `climate` CLI (beside Flask's and Flask-Migrate's), one module per
family: administration.py (administrations, access codes, status), scoring.py (scoring runs and
calibrations), worker.py (the job worker), exports.py (export, import, codebook), demo.py (the demo and simulated respondents).
params.py holds the parameter types they share (administration, school, respondent group)."""
from flask import Flask

from . import administration, demo, exports, scoring, worker


def register(app: Flask) -> None:
    for family in (demo, scoring, exports, administration, worker):
        for command in family.COMMANDS:
            app.cli.add_command(command)
    from ..jobs import register_close_watch
    register_close_watch(app)
