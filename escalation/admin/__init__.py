"""The escalation app's admin screens, one module per part of the app; importing this package
registers them all (Django's admin autodiscovery imports `escalation.admin`)."""

from . import accounts, incidents, paging, roster, sla  # noqa: F401 (registration is the import)
from .incidents import ALERTS_SHOWN

__all__ = ["ALERTS_SHOWN"]
