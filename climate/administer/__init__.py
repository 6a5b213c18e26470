"""Administering surveys (district staff; principals see their schools' status).

- routes.py: the pages (blueprint `administer`)
- forms.py: their WTForms and the custom items' textarea format
- service.py: creating, extending and deleting administrations, pinned questionnaires, live status
- codes.py: handing out access codes (slips, CSV) and open links

The command-line side is climate.commands.administration."""
from .routes import bp

__all__ = ["bp"]
