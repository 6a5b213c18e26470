"""Taking a survey: the respondent's pages (`routes`), their forms (`forms`) and the rules for a
response's progress from consent to submission (`progress`)."""
from .routes import bp

__all__ = ["bp"]
