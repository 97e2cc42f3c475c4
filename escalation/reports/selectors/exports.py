"""The ledger's rows for export (whether the chain verifies: `escalation.sla.integrity`)."""

from django.db.models import (
    QuerySet,
)

from escalation.reports.selectors.filters import ReportFilters, ledger_rows_filtered
from escalation.sla.models import LedgerEntry

# --- the ledger's rows for export (whether the chain verifies: `integrity.py`) ----------------------


def ledger_list_for_export(*, filters: ReportFilters) -> QuerySet[LedgerEntry]:
    """Every ledger row (both kinds) due in the period under the filters, in chain order."""
    return ledger_rows_filtered(LedgerEntry.objects.select_related("customer"), filters).order_by("seq")
