"""The breach list: each decided cycle that missed its promise, newest first."""

from datetime import datetime

from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from escalation.paging.models import Escalation
from escalation.reports.selectors.filters import FIRST_ESCALATION_STEP, ReportFilters, decided_cycles
from escalation.sla.models import LedgerEntry
from tickets.models import Ticket

# --- the breach list ------------------------------------------------------------------------------


def breach_list(*, filters: ReportFilters, now: datetime) -> QuerySet[LedgerEntry]:
    """Every breached metric cycle due in the period, the latest due first.

    Each row carries `subject`, `highest_step` (the highest escalation step fired for the cycle, 0 if
    none) and `late_by` (wall-clock time from the due time to the answer, or to `now` while open);
    `kind == "breach"` means the cycle is still open.
    """
    highest_step = (
        Escalation.objects.filter(
            ticket=OuterRef("ticket"),
            metric=OuterRef("metric"),
            cycle=OuterRef("cycle"),
            step__gte=FIRST_ESCALATION_STEP,
        )
        .order_by("-step")
        .values("step")[:1]
    )
    answered_or_now = Coalesce("achieved_at", Value(now, output_field=DateTimeField()))
    return (
        decided_cycles(filters)
        .filter(met=False)
        .select_related("customer", "engineer")
        .annotate(
            # A subquery, not a join: counting the rows then needs no ticket at all.
            subject=Subquery(Ticket.objects.filter(pk=OuterRef("ticket_id")).values("subject")[:1]),
            highest_step=Coalesce(Subquery(highest_step), Value(0)),
            late_by=ExpressionWrapper(answered_or_now - F("due_at"), output_field=DurationField()),
        )
        .order_by("-due_at", "-seq")
    )
