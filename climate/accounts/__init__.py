"""Staff accounts: sign-in and passwords, and the district's schools and principal accounts
(`routes`, `forms`, and the logic in `service`)."""
from .routes import auth_bp, district_bp

__all__ = ["auth_bp", "district_bp"]
