"""Exports and imports for district staff (blueprint `exports`).

- routes.py: the exports page, its downloads and the upload
- forms.py: the import form
- responses.py: the de-identified response table, as CSV and SPSS .sav
- group_results.py: the stored group results as CSV (suppression applied)
- notes.py: how the files are de-identified, in words
- importing.py: reading and checking an import file; storage.py: storing its rows

The command-line side is climate.commands.exports."""
from .routes import bp

__all__ = ["bp"]
