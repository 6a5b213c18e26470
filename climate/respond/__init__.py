"""Taking a survey: the respondent's pages (`routes`, open links in `open_links`), their forms
(`forms`) and the rules for a response's progress from consent to submission (`progress`)."""
from . import open_links  # noqa: F401  (its views join the blueprint)
from .routes import bp

__all__ = ["bp"]
