"""Storms: the grouped pages of the period, each one row with how many tickets it carried.

A storm pages each engineer once a window (`escalation/paging/grouping.py`); the report's escalation
figures (`sla_report`: steps fired, acknowledged, time to acknowledge) still count every step of every
ticket, as before. This list adds what the engineer's phone saw: one row a grouped page (a window that sent
its own message, covering two tickets or more), with its tickets, how many of their steps are acknowledged,
and its customers. A page that carried one ticket is just that ticket's escalation, listed with the breaches.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from escalation.paging.models import Page
from escalation.reports.selectors.filters import ReportFilters

STORMS_LISTED = 20


@dataclass(frozen=True)
class StormRow:
    page_id: int
    opened_at: datetime
    closes_at: datetime
    channel: str
    recipient: str
    engineer: str  # username, or "" when the recipient is no user any more
    status: str
    tickets: int
    acknowledged: int  # of the page's escalation steps


@dataclass(frozen=True)
class Storms:
    rows: list[StormRow]  # the latest STORMS_LISTED grouped pages

    @property
    def tickets(self) -> int:
        """Tickets the listed pages carried, counted once a page."""
        return sum(row.tickets for row in self.rows)


def storm_list(*, filters: ReportFilters) -> Storms:
    """The grouped pages opened in the period (and to the filtered engineer, for the filtered customer or
    severity), latest first, each with its ticket count. One query."""
    pages = Page.objects.filter(opened_at__gte=filters.period.start, opened_at__lt=filters.period.end).filter(
        notifications__grouped=True
    )
    if filters.engineer:
        pages = pages.filter(recipient_user__username=filters.engineer)
    if filters.severity:
        pages = pages.filter(notifications__ticket__severity=filters.severity)
    if filters.customer_id is not None:
        pages = pages.filter(notifications__ticket__customer_id=filters.customer_id)
    grouped = (
        Page.objects.filter(pk__in=pages.values("pk"))
        .select_related("recipient_user")
        .annotate(
            n_tickets=Count("notifications__ticket", distinct=True),
            n_acknowledged=Count(
                "notifications__escalation",
                filter=Q(notifications__escalation__acknowledged_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-opened_at", "-pk")[:STORMS_LISTED]
    )
    return Storms(
        rows=[
            StormRow(
                page_id=page.pk,
                opened_at=page.opened_at,
                closes_at=page.closes_at,
                channel=page.channel,
                recipient=page.recipient,
                engineer=page.recipient_user.get_username() if page.recipient_user else "",
                status=page.status,
                tickets=page.n_tickets,
                acknowledged=page.n_acknowledged,
            )
            for page in grouped
        ]
    )
