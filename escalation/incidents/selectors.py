"""Reads: integrations (by key, for the alert endpoints), incidents with what the list shows, one
incident with its merged timeline (its page), and the open incidents at the top of the queue."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce

from escalation.paging.models import Notification
from tickets.models import Customer

from .keys import key_hash, well_formed
from .models import (
    Alert,
    Incident,
    IncidentEvent,
    IncidentStatus,
    IncidentTicket,
    IncidentUpdate,
    Integration,
)


def integration_get_by_key(key) -> Integration | None:
    """The integration `key` belongs to; a key that could not have been issued is refused without a query."""
    if not well_formed(key):
        return None
    return Integration.objects.filter(key_hash=key_hash(key)).first()


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("default_customer").order_by("name", "id")


def integration_get(*, integration_id: int) -> Integration | None:
    return integration_list().filter(pk=integration_id).first()


def incident_list(*, status: str | None = None, customer_id: int | None = None) -> QuerySet[Incident]:
    """Newest first; integration and commander joined, customers and ticket links prefetched (two more
    queries)."""
    incidents = Incident.objects.select_related("integration", "commander").prefetch_related(
        Prefetch("customers", queryset=Customer.objects.only("id", "name").order_by("name")),
        Prefetch(
            "ticket_links",
            queryset=IncidentTicket.objects.select_related("ticket")
            .only("incident_id", "ticket_id", "ticket__id")
            .order_by("-opened_for_incident", "linked_at", "id"),
        ),
    )
    if status is not None:
        incidents = incidents.filter(status=status)
    if customer_id is not None:
        incidents = incidents.filter(incidentcustomer__customer_id=customer_id)
    return incidents.order_by("-started_at", "-id")


def incident_get(*, incident_id: int) -> Incident | None:
    return incident_list().filter(pk=incident_id).first()


def open_incident_by_ticket(ticket_ids: list[int]) -> dict[int, int]:
    """Ticket id -> the open (not resolved) incident it belongs to; one query (paging's lookup)."""
    return dict(
        IncidentTicket.objects.filter(ticket_id__in=ticket_ids)
        .exclude(incident__status=IncidentStatus.RESOLVED)
        .values_list("ticket_id", "incident_id")
    )


# --- the incident page and the queue's incident rows -----------------------------------------------

PAGE_ALERTS_LIMIT = 200
QUEUE_INCIDENTS_LIMIT = 20


class EntryKind:
    ALERT = "alert"
    EVENT = "event"
    UPDATE = "update"
    PAGE = "page"


# Within one instant: what happened (alert, event), then what was said (update), then who was paged.
_KIND_ORDER = {EntryKind.ALERT: 0, EntryKind.EVENT: 1, EntryKind.UPDATE: 2, EntryKind.PAGE: 3}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # EntryKind
    item: Alert | IncidentEvent | IncidentUpdate | Notification


@dataclass(frozen=True)
class IncidentPage:
    incident: Incident  # integration and commander joined, customers prefetched (by name)
    ticket_links: list[IncidentTicket]  # ticket, its customer and requester joined, oldest link first
    timeline: list[TimelineEntry]  # oldest first
    alerts_total: int  # every alert of the incident; the timeline holds the latest PAGE_ALERTS_LIMIT
    alerts_shown: int

    @property
    def alerts_hidden(self) -> int:
        return self.alerts_total - self.alerts_shown


def incident_for_page(*, incident_id: int) -> IncidentPage | None:
    """One incident as its page shows it, in 7 queries however many alerts, events, updates, pages
    and tickets it has (1 when there is no such incident): the incident (+ integration, commander),
    its customers, its ticket links (+ ticket, customer, requester), its latest alerts with their
    total (a window count, in the same query), its events (+ actor), updates (+ author) and the
    commander's pages (+ recipient)."""
    incident = (
        Incident.objects.select_related("integration", "commander")
        .prefetch_related(
            Prefetch("customers", queryset=Customer.objects.only("id", "name").order_by("name"))
        )
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        return None
    links = list(
        IncidentTicket.objects.filter(incident=incident)
        .select_related("ticket__customer", "ticket__requester")
        .order_by("linked_at", "id")
    )
    alerts = list(
        Alert.objects.filter(incident=incident)
        .annotate(total=Window(Count("id")))
        .order_by("-received_at", "-id")[:PAGE_ALERTS_LIMIT]
    )
    events = IncidentEvent.objects.filter(incident=incident).select_related("actor")
    updates = IncidentUpdate.objects.filter(incident=incident).select_related("author")
    pages = Notification.objects.filter(incident=incident).select_related("recipient_user")
    entries = [
        *(TimelineEntry(alert.received_at, EntryKind.ALERT, alert) for alert in alerts),
        *(TimelineEntry(event.at, EntryKind.EVENT, event) for event in events),
        *(TimelineEntry(update.created_at, EntryKind.UPDATE, update) for update in updates),
        *(TimelineEntry(page.created_at, EntryKind.PAGE, page) for page in pages),
    ]
    entries.sort(key=lambda entry: (entry.at, _KIND_ORDER[entry.kind], entry.item.pk))
    return IncidentPage(
        incident=incident,
        ticket_links=links,
        timeline=entries,
        alerts_total=alerts[0].total if alerts else 0,
        alerts_shown=len(alerts),
    )


@dataclass(frozen=True)
class QueueIncidents:
    incidents: list[Incident]  # each with `customer_names` (sorted) and `linked_tickets` annotated
    total: int  # every open incident; `incidents` holds the newest `limit`


def incidents_for_queue(*, limit: int = QUEUE_INCIDENTS_LIMIT) -> QueueIncidents:
    """The open (not resolved) incidents, newest first, for the top of the queue: one query, whatever
    their number, with each one's linked tickets counted in SQL and the total of open incidents as a
    window count, and one more for their customers' names when there are any (a prefetch: `make run`'s
    SQLite has no array aggregate)."""
    linked = (
        IncidentTicket.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(count=Count("id"))
        .values("count")
    )
    incidents = list(
        Incident.objects.exclude(status=IncidentStatus.RESOLVED)
        .annotate(linked_tickets=Coalesce(Subquery(linked), 0), open_total=Window(Count("id")))
        .prefetch_related(
            Prefetch("customers", queryset=Customer.objects.only("id", "name").order_by("name"))
        )
        .order_by("-started_at", "-id")[:limit]
    )
    for incident in incidents:
        incident.customer_names = [customer.name for customer in incident.customers.all()]
    return QueueIncidents(incidents=incidents, total=incidents[0].open_total if incidents else 0)


SUGGESTIONS_LIMIT = 5


def incidents_suggested_for_ticket(*, ticket) -> list[Incident]:
    """Open incidents affecting the ticket's customer that started before it was filed (the customer
    may be writing about them), newest first; none for a ticket without a customer. One query."""
    if ticket.customer_id is None:
        return []
    return list(
        Incident.objects.exclude(status=IncidentStatus.RESOLVED)
        .filter(incidentcustomer__customer_id=ticket.customer_id, started_at__lte=ticket.created_at)
        .order_by("-started_at", "-id")[:SUGGESTIONS_LIMIT]
    )


def incident_list_for_admin() -> QuerySet[Incident]:
    """The admin's incident list: commander and integration joined, affected customers counted (one query)."""
    return Incident.objects.select_related("integration", "commander").annotate(
        customer_count=Count("incidentcustomer", distinct=True)
    )
