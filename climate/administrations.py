"""Moved to climate.administer.service. This name stays only for modules other people own and are
moving now (climate.reports, tests/conftest.py and a few tests); delete it once they import
climate.administer.service."""
from .administer.service import AdministrationError, create_administration, pinned_instrument, to_local

__all__ = ["AdministrationError", "create_administration", "pinned_instrument", "to_local"]
